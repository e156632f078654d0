package main

// examples are the "Examples:" sections of the commands whose usage text
// does not carry one itself; printHelp prints them after the usage text.
// TestCLIContract checks that every command's help has examples.
var examples = map[string][]string{
	"prepare": {
		"retinaio prepare /data/karamanlis_2024/sessions --species mouse --out prepared",
		"retinaio prepare sessions/ --out prepared --jobs 2 --json > manifest-copy.json",
		"retinaio prepare sessions/ --out prepared --split --clip-length 75 --val-clips 20 --seed 42",
		"retinaio prepare https://huggingface.co/datasets/open-retina/open-retina/tree/main/gollisch_lab/karamanlis_2024/sessions --out prepared",
	},
	"inspect": {
		"retinaio inspect /data/karamanlis_2024/sessions",
		"retinaio inspect sessions/20210115_252MEA_mouse_left_half_ventral.zip --json",
	},
	"fetch": {
		"retinaio fetch --list",
		"retinaio fetch --species mouse --jobs 4",
		"HF_HUB_OFFLINE=1 retinaio fetch --list   # what the cache holds, no network",
	},
	"view": {
		"retinaio view prepared/",
		"retinaio view prepared/ --data /data/karamanlis_2024/sessions --pred model_pred.npz",
		"retinaio view prepared/S.npz --addr 127.0.0.1:0 --open",
	},
	"render": {
		"retinaio render prepared/S.npz --frames 0:75 --cell 9 --scale 2 --out movie.gif",
		"retinaio render prepared/S.npz --raster --cell 9 --out raster.png",
		"retinaio render split.npz --split val --frames 0:100 --out sheet.png",
	},
	"ls": {
		"retinaio ls fixationmovie_data.mat",
		"retinaio ls --json fixationmovie_data.mat > tree.json",
	},
	"mat2npz": {
		"retinaio mat2npz fixationmovie_data.mat fixationmovie.npz",
		"retinaio mat2npz --skip-unreadable --verbose damaged.mat partial.npz",
	},
	"synth": {
		"retinaio synth sessions/ --profile small --sessions 2",
		"retinaio synth sessions/ --profile mouse --zip --seed 7 --json",
		"retinaio synth sessions/ --profile mouse --layout matlab --image-use third-unused",
	},
	"bench": {
		"retinaio bench --profile medium",
		"retinaio bench --profile mouse --layout all --json",
		"retinaio bench --profile mouse --layout all --image-use all,third-unused --runs 5",
		"retinaio bench /data/karamanlis_2024/sessions -- --jobs 2",
	},
	"merge-manifest": {
		"retinaio merge-manifest out/manifest.json out/shard-*/manifest.json",
		"retinaio merge-manifest --json out/manifest.json out/shard-0/manifest.json out/shard-1/manifest.json",
	},
	"demo": {
		"retinaio demo",
		"retinaio demo /tmp/demo --profile tiny",
		"retinaio demo && retinaio split retinaio-demo/out/*.npz --out split.npz",
	},
}
