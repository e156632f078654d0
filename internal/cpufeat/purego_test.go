//go:build purego

package cpufeat

// purego: this build has no assembly.
const purego = true
