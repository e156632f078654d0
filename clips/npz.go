package clips

import (
	"bufio"
	"fmt"
	"io"

	"github.com/retinaio/retinaio/npy"
	"github.com/retinaio/retinaio/prepared"
)

// AddTo writes the split's arrays to z: val_clip_idx (int64, draw order),
// stim_train (C, TrainFrames, h, w) float32, stim_val, resp_train (N,
// TrainFrames) float64 and resp_val. Do not also add the uncut stim_train
// or resp_train to the same archive.
func (s *Split) AddTo(z *npy.NPZWriter) error {
	if err := z.Add(prepared.KeyValClipIdx, nil, s.Plan.ValClipIdx()); err != nil {
		return err
	}
	if err := z.Add(prepared.KeyStimTrain, s.StimTrainShape, s.StimTrain); err != nil {
		return err
	}
	if err := z.Add(prepared.KeyStimVal, s.StimValShape, s.StimVal); err != nil {
		return err
	}
	if err := z.Add(prepared.KeyRespTrain, s.RespTrainShape, s.RespTrain); err != nil {
		return err
	}
	return z.Add(prepared.KeyRespVal, s.RespValShape, s.RespVal)
}

// SplitNPZ splits the session archive in (keys stim_train (C, T, ...) and
// resp_train (N, T), any dtype) into out: val_clip_idx, stim_train,
// stim_val, resp_train, resp_val, then every other array of in unchanged
// and in order (stim_test, resp_test, resp_test_by_trial, norm_mean,
// norm_std...). Arrays keep their dtype and byte order. The movie streams
// through: only the validation frames are held in memory. The caller
// closes (or aborts) out.
func SplitNPZ(in *npy.NPZReader, out *npy.NPZWriter, opt Options) (*Plan, error) {
	for _, k := range []string{prepared.KeyStimTrain, prepared.KeyRespTrain} {
		if !in.Has(k) {
			return nil, fmt.Errorf("the session has no %q array (it has %v); write sessions with 'retinaio prepare'", k, in.Names())
		}
	}
	for _, k := range []string{prepared.KeyValClipIdx, prepared.KeyStimVal, prepared.KeyRespVal} {
		if in.Has(k) {
			return nil, fmt.Errorf("the session already has a %q array: it looks split already", k)
		}
	}
	hs, err := in.Header(prepared.KeyStimTrain)
	if err != nil {
		return nil, err
	}
	hr, err := in.Header(prepared.KeyRespTrain)
	if err != nil {
		return nil, err
	}
	if len(hs.Shape) < 2 {
		return nil, fmt.Errorf("%s has shape %v: want (channels, frames, h, w)", prepared.KeyStimTrain, hs.Shape)
	}
	if len(hr.Shape) != 2 {
		return nil, fmt.Errorf("%s has shape %v: want (neurons, frames)", prepared.KeyRespTrain, hr.Shape)
	}
	if hr.Shape[1] != hs.Shape[1] {
		return nil, fmt.Errorf("%s has %d frames but %s has %d", prepared.KeyRespTrain, hr.Shape[1], prepared.KeyStimTrain, hs.Shape[1])
	}
	p, err := NewPlan(hs.Shape[1], opt)
	if err != nil {
		return nil, err
	}
	if err := out.Add(prepared.KeyValClipIdx, nil, p.ValClipIdx()); err != nil {
		return nil, err
	}
	if err := cutEntry(in, out, prepared.KeyStimTrain, prepared.KeyStimTrain, prepared.KeyStimVal, p, false); err != nil {
		return nil, err
	}
	if err := cutEntry(in, out, prepared.KeyRespTrain, prepared.KeyRespTrain, prepared.KeyRespVal, p, p.KeepTail); err != nil {
		return nil, err
	}
	for _, name := range in.Names() {
		if name == prepared.KeyStimTrain || name == prepared.KeyRespTrain {
			continue
		}
		rd, c, err := in.Open(name)
		if err != nil {
			return nil, err
		}
		err = out.AddRaw(name, rd.Header(), rd)
		if cerr := c.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

// cutEntry streams array name (shape (outer, T, ...), C order) into the
// entries trainName and valName of out.
func cutEntry(in *npy.NPZReader, out *npy.NPZWriter, name, trainName, valName string, p *Plan, withTail bool) (err error) {
	rd, c, err := in.Open(name)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := c.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	h := rd.Header()
	if h.Fortran {
		return fmt.Errorf("%s is stored in Fortran order; only C-order arrays can be split (re-save it with numpy.ascontiguousarray)", name)
	}
	itemsize, err := h.ItemSize()
	if err != nil {
		return err
	}
	outer, T := h.Shape[0], h.Shape[1]
	inner := int64(itemsize)
	for _, d := range h.Shape[2:] {
		inner *= int64(d)
	}
	L := int64(p.ClipLength)
	train, _ := p.Ranges(withTail)
	trainT := rangesLen(train)
	th := npy.Header{Descr: h.Descr, Shape: append([]int{outer, trainT}, h.Shape[2:]...)}
	vh := npy.Header{Descr: h.Descr, Shape: append([]int{outer, p.ValFrames()}, h.Shape[2:]...)}
	valBytes := int64(outer) * int64(p.ValFrames()) * inner
	valBuf := make([]byte, valBytes)
	slot := make(map[int]int, len(p.Val)) // clip -> position in draw order
	for i, v := range p.Val {
		slot[v] = i
	}
	br := bufio.NewReaderSize(rd, 1<<20)
	w, err := out.Create(trainName, th)
	if err != nil {
		return err
	}
	for o := 0; o < outer; o++ {
		for clip := 0; clip < p.NumClips; clip++ {
			if i, ok := slot[clip]; ok {
				off := (int64(o)*int64(len(p.Val)) + int64(i)) * L * inner
				if _, err := io.ReadFull(br, valBuf[off:off+L*inner]); err != nil {
					return fmt.Errorf("reading %s: %w", name, err)
				}
				continue
			}
			if _, err := io.CopyN(w, br, L*inner); err != nil {
				return fmt.Errorf("copying %s: %w", name, err)
			}
		}
		tail := int64(T-p.NumClips*p.ClipLength) * inner
		dst := io.Discard
		if withTail {
			dst = w
		}
		if _, err := io.CopyN(dst, br, tail); err != nil {
			return fmt.Errorf("copying %s: %w", name, err)
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	vw, err := out.Create(valName, vh)
	if err != nil {
		return err
	}
	if _, err := vw.Write(valBuf); err != nil {
		return err
	}
	return vw.Close()
}
