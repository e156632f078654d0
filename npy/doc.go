// Package npy reads and writes NumPy's .npy and .npz formats in pure Go.
//
// Supported: format versions 1.0 and 2.0 (written as numpy chooses; 3.0 is
// read), the numeric dtypes b1 i1 u1 i2 u2 i4 u4 i8 u8 f2 (read only) f4 f8 c8 c16 in
// little- or big-endian byte order, C and Fortran order; .npz archives with
// stored or deflated entries and zip64 records, so entries over 4 GiB work.
//
// Everything streams: writers encode typed slices in 256 KiB pieces
// (Writer.WriteValues, NPZWriter.Add, NPZWriter.Create for data produced
// piece by piece, NPZWriter.AddRaw from an io.Reader), and readers decode
// into caller slices (NPZReader.ReadInto, Reader.ReadValues) with numeric
// conversion. WriteArray's output is byte-identical to numpy.save.
//
// Sizes from a file are checked before allocating: a header's shape must
// fit in the entry (or file) that holds it, and where the real size is not
// known (deflated entries, pipes) memory grows with the data actually read.
// Errors name the file, the entry and the offending header value.
package npy
