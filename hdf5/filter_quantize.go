package hdf5

// BitGroom (filter 32022) and Granular BitRound (filter 32023) quantize
// floats when writing (zeroing low mantissa bits); the stored values are
// ordinary IEEE floats, so decoding is the identity, as in the plugins
// (hdf5_plugins BITGROOM/src/H5Zbitgroom.c, GRANULAR_BITROUND/src/
// H5Zgranularbr.c: "the input values in buf are also the output values").

func init() {
	registerFilter(FilterBitGroom, decodeIdentity, 1)
	registerFilter(FilterBitRound, decodeIdentity, 1)
}

func decodeIdentity(src []byte, p *FilterParams) ([]byte, error) {
	if len(src) > p.MaxSize {
		return nil, errExpands(p.MaxSize)
	}
	return src, nil
}
