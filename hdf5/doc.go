// Traceability to the HDF5 File Format Specification (for maintainers;
// not part of the package documentation).
//
// The parsers follow the HDF5 File Format Specification, version 3.0
// (HDF5 1.10) and 4.0 (HDF5 2.0; the same structures for everything read
// here), and libhdf5's decoders where the specification leaves a detail
// open (cited by function name, e.g. H5O__layout_decode). Sections are
// cited by their number and title; the size constants and typed enums
// next to each parser name the fields they stand for.
//
//	Section                                              Parser (file: function)
//	II.A   Format Signature and Superblock (v0-3)        file.go: findSignature, readSuperblock,
//	                                                       superblockV0V1, superblockV2V3, checkEOF
//	II.C   Superblock Extension                          sohm.go: readSharedTable (its Shared
//	                                                       Message Table message only)
//	III.A.1 Version 1 B-trees (node types 0 and 1)       btree.go: walkBTree1, btree1Node;
//	                                                       chunks.go: readBTree1Chunks (raw data
//	                                                       chunk keys)
//	III.A.2 Version 2 B-trees (record types 1, 5, 8,     btree.go: bt2Header, walkBTree2, bt2Node
//	        10, 11)
//	III.B  Group Symbol Table Nodes                      group.go: symbolNode
//	III.C  Symbol Table Entry                            group.go: symbolNode; file.go:
//	                                                       superblockV0V1 (root group entry)
//	III.D  Local Heaps                                   heap.go: localHeap, (*localHeap).str
//	III.E  Global Heap                                   heap.go: readGlobalHeap, globalHeapObject;
//	                                                       attr.go: vlenBytes
//	III.F  Global Heap Block for Virtual Datasets        dataset.go: parseLayout reads its address
//	                                                       (the mapping is not applied, see below)
//	III.G  Fractal Heap                                  heap.go: fractalHeap (header), validTable,
//	                                                       rowSize, get, tiny,
//	                                                       huge, managed, findDirect, indirect, direct
//	III.I  Shared Object Header Message Table            sohm.go: sharedTable, readSharedTable,
//	                                                       sohmMessage
//	IV.A.1 Data Object Header Prefix (v1, v2)            objheader.go: parseObjectHeader,
//	                                                       parseObjectHeaderV1/V2, parseMsgsV1/V2,
//	                                                       walkHeaderChunks
//	IV.A.2 Header Messages, shared messages              dataset.go: sharedData
//	IV.A.2.a NIL                                         objheader.go: addMsg (dropped)
//	IV.A.2.b Dataspace                                   datatype.go: parseDataspace
//	IV.A.2.c Link Info                                   group.go: denseLinks
//	IV.A.2.d Datatype                                    datatype.go: parseDatatype
//	IV.A.2.e Fill Value (Old)                            dataset.go: parseOldFill
//	IV.A.2.f Fill Value                                  dataset.go: parseFill
//	IV.A.2.g Link                                        group.go: parseLinkMessage
//	IV.A.2.h External Data Files                         external.go: parseExternal, readExternal
//	IV.A.2.i Data Layout (v1-4)                          dataset.go: parseLayout, parseIndexParams
//	IV.A.2.l Filter Pipeline (v1, v2)                    dataset.go: parsePipeline; filters.go
//	IV.A.2.m Attribute (v1-3)                            attr.go: parseAttribute, attrName,
//	                                                       decodeAttrValues
//	IV.A.2.p Shared Message Table                        sohm.go: readSharedTable
//	IV.A.2.q Object Header Continuation                  objheader.go: addMsg
//	IV.A.2.r Symbol Table                                group.go: symbolTableLinks
//	IV.A.2.v Attribute Info                              attr.go: denseAttributes
//	IV.B   Data Object Data Storage                      read.go (contiguous, compact, chunked
//	                                                       reads; unfiltered partial edge chunks
//	                                                       of IV.A.2.i flag bit 0), external.go
//	Appendix C Types of Indexes for Dataset Chunks       chunks.go: buildTable, newChunkTable
//	  Single Chunk Index                                 chunks.go: buildTable (idxSingle)
//	  Implicit Index                                     chunks.go: implicitChunks
//	  Fixed Array Index (FAHD, FADB, pages)              chunks.go: readFixedArray,
//	                                                       readFixedArrayPages, decodeElem
//	  Extensible Array Index (EAHD, EAIB, EASB, EADB)    chunks.go: readExtArray, readEAHeader,
//	                                                       readIndexBlock, readSecondaryBlock,
//	                                                       readDataBlock, decodeElem
//	  Version 2 B-trees Index                            chunks.go: readBTree2Chunks
//	Metadata checksums (Jenkins' lookup3)                util.go: lookup3, verifyChecksum;
//	                                                       file.go: readBlock
//
// The other header messages (Group Info, Bogus, Object Comment,
// modification times, B-tree 'K' Values, Driver Info, Object Reference
// Count, File Space Info, ...) are kept in the parsed header but not
// interpreted: none changes what a reader returns.

// # Use
//
// Open (or OpenWithOptions) a file; File.OpenDataset returns a *Dataset by
// path and File.Walk visits every object. A Dataset gives its Shape,
// Datatype, ChunkShape and Filters; Dataset.Read decodes the whole array
// and Dataset.ReadSlab a hyperslab into a Go slice (row-major, HDF5's
// order); ReadRaw and ReadSlabRaw return the stored element bytes
// unconverted, to be written on as they are.
//
// # Not supported
//
//   - Virtual datasets: the layout is parsed, but reading the source
//     datasets through the mapping of III.F is not (an error says so).
//   - Fractal heaps with I/O filters (III.G "I/O Filters' Encoded Length"
//     not zero): such dense link or attribute storage is an error.
//   - VAX floating-point byte order (IV.A.2.d, class 1 bit field).
//   - Files split over several files by the family, multi or split file
//     drivers (II.B Driver Info is not read), and the free-space manager
//     (III.H), which a reader does not need.
//   - Soft and external links are listed but not followed; region
//     references (IV.A.2.d class 7, type 1) are not dereferenced.
//   - Filters other than those listed above: errors wrap
//     ErrUnsupportedFilter.
//
// Like libhdf5, the reader cross-checks what it parses: a version 4
// layout message's fixed and extensible array parameters must be non-zero
// and its v2 B-tree split and merge percentages in 1..100
// (H5O__layout_decode); a version 2 superblock, object header, B-tree or
// heap block must match its checksum; and the file must reach the
// superblock's end-of-file address (H5F__super_read).
package hdf5
