package hdf5

import (
	"bytes"
	"encoding/binary"
	"io"
)

// sniffFormat names the format of a file without an HDF5 signature (II.A
// Format Signature and Superblock: the signature is searched at 0, 512,
// 1024, ...) from its first bytes, and says what to do with it.
func sniffFormat(r io.ReaderAt, size int64) string {
	var b [128]byte
	n, _ := r.ReadAt(b[:], 0)
	h := b[:n]
	const none = "no HDF5 signature at offset 0 or 512, 1024, 2048, ..."
	switch {
	case bytes.HasPrefix(h, []byte("MATLAB 7.3")):
		return none + " although the MATLAB 7.3 header is there (a damaged or truncated file?)"
	case bytes.HasPrefix(h, []byte("MATLAB")):
		return "a MATLAB v5/v7 MAT-file (not HDF5): re-save it with save -v7.3, or read it with scipy.io.loadmat"
	case bytes.HasPrefix(h, []byte("CDF\x01")):
		return "a netCDF-3 classic file (CDF-1, not HDF5): convert it with nccopy -k netCDF-4 (netCDF-4 is HDF5), or read it with scipy.io.netcdf_file"
	case bytes.HasPrefix(h, []byte("CDF\x02")):
		return "a netCDF-3 64-bit-offset file (CDF-2, not HDF5): convert it with nccopy -k netCDF-4 (netCDF-4 is HDF5), or read it with scipy.io.netcdf_file"
	case bytes.HasPrefix(h, []byte("CDF\x05")):
		return "a netCDF-3 64-bit-data file (CDF-5, not HDF5): convert it with nccopy -k netCDF-4 (netCDF-4 is HDF5)"
	case bytes.HasPrefix(h, []byte("\x0e\x03\x13\x01")):
		return "an HDF4 file (not HDF5): convert it with h4toh5 (the HDF Group's h4h5tools), or read it with pyhdf"
	case isMATv4(h, size):
		return "a MATLAB v4 MAT-file (not HDF5): re-save it in MATLAB with save -v7.3, or read it with scipy.io.loadmat"
	}
	return none + " (not an HDF5 file)"
}

// isMATv4 recognises the 20-byte header of a MATLAB v4 matrix: type MOPT
// (M machine format 0-4, O 0, P precision 0-5, T matrix type 0-2), rows,
// columns, imaginary flag 0/1, name length including its NUL, in either
// byte order, followed by the NUL-terminated name and the data.
func isMATv4(h []byte, size int64) bool {
	if len(h) < 20 {
		return false
	}
	for _, o := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		typ, rows, cols, imag, nl := o.Uint32(h), o.Uint32(h[4:]), o.Uint32(h[8:]), o.Uint32(h[12:]), o.Uint32(h[16:])
		m, op, p, t := typ/1000, typ/100%10, typ/10%10, typ%10
		if typ >= 5000 || op != 0 || p > 5 || t > 2 || imag > 1 || nl < 2 || nl > 64 {
			continue
		}
		if (m == 1) != (o == binary.BigEndian) && m <= 1 {
			continue
		}
		esz := [6]uint64{8, 4, 4, 2, 2, 1}[p]
		need := 20 + uint64(nl) + uint64(rows)*uint64(cols)*esz*uint64(1+imag)
		if need > uint64(size) {
			continue
		}
		if int(20+nl) <= len(h) && h[20+nl-1] != 0 {
			continue
		}
		return true
	}
	return false
}
