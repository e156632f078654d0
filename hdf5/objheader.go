package hdf5

import (
	"bytes"
	"errors"
	"fmt"
)

// msgType is a header message type (IV.A.2 Disk Format: Level 2A2 - Data
// Object Header Messages). Only the types this package reads are named.
type msgType uint16

// Header message types.
const (
	msgNil          msgType = 0x00 // IV.A.2.a The NIL Message (ignored)
	msgDataspace    msgType = 0x01 // IV.A.2.b The Dataspace Message
	msgLinkInfo     msgType = 0x02 // IV.A.2.c The Link Info Message
	msgDatatype     msgType = 0x03 // IV.A.2.d The Datatype Message
	msgFillOld      msgType = 0x04 // IV.A.2.e The Data Storage - Fill Value (Old) Message
	msgFill         msgType = 0x05 // IV.A.2.f The Data Storage - Fill Value Message
	msgLink         msgType = 0x06 // IV.A.2.g The Link Message
	msgExternal     msgType = 0x07 // IV.A.2.h The Data Storage - External Data Files Message
	msgLayout       msgType = 0x08 // IV.A.2.i The Data Storage - Layout Message
	msgGroupInfo    msgType = 0x0A // IV.A.2.k The Group Info Message
	msgPipeline     msgType = 0x0B // IV.A.2.l The Data Storage - Filter Pipeline Message
	msgAttribute    msgType = 0x0C // IV.A.2.m The Attribute Message
	msgSharedTable  msgType = 0x0F // IV.A.2.p The Shared Message Table Message (superblock extension)
	msgContinuation msgType = 0x10 // IV.A.2.q The Object Header Continuation Message
	msgSymbolTable  msgType = 0x11 // IV.A.2.r The Symbol Table Message
	msgAttrInfo     msgType = 0x15 // IV.A.2.v The Attribute Info Message
)

// msgFlags are a header message's flags (IV.A.1.a/b, "Header Message
// Flags").
type msgFlags uint8

// msgFlagShared (bit 1) marks a shared message: its body is a shared
// message reference (IV.A.2, "Shared Messages"), not the message itself.
const msgFlagShared msgFlags = 0x02

// ohFlags are the flags of a version 2 object header prefix (IV.A.1.b
// Version 2 Data Object Header Prefix).
type ohFlags uint8

// Version 2 object header prefix flags.
const (
	ohChunk0SizeMask   ohFlags = 0x03 // bits 0-1: the "Size of Chunk #0" field is 1, 2, 4 or 8 bytes
	ohAttrOrderTracked ohFlags = 0x04 // bit 2: messages carry a 2-byte creation order
	ohAttrPhaseStored  ohFlags = 0x10 // bit 4: max compact / min dense attribute counts stored (2+2 bytes)
	ohTimesStored      ohFlags = 0x20 // bit 5: access, modification, change and birth times stored (4x4 bytes)
)

// Sizes of the object header structures (IV.A.1).
const (
	sigLen        = 4 // "OHDR", "OCHK", "TREE", "HEAP", ... signatures
	checksumLen   = 4 // lookup3 checksum closing a version 2 metadata block
	ohV1PrefixLen = 16
	// version 2 prefix: signature, version, flags, then optional times
	// and attribute phase change values, then "Size of Chunk #0"
	ohV2FixedLen     = sigLen + 1 + 1
	ohV2TimesLen     = 4 * 4 // access, modification, change, birth times
	ohV2PhaseLen     = 2 + 2 // max compact, min dense attributes
	ohV2MaxPrefixLen = ohV2FixedLen + ohV2TimesLen + ohV2PhaseLen + 8
	ohV1MsgHeaderLen = 2 + 2 + 1 + 3 // type, size, flags, reserved
	ohV2MsgHeaderLen = 1 + 2 + 1     // type, size, flags (+2: creation order)
)

const (
	maxHeaderChunks   = 1024
	maxHeaderMessages = 1 << 16
)

type message struct {
	typ   msgType
	flags msgFlags
	data  []byte
}

type objHeader struct {
	addr    uint64
	version int
	msgs    []message
}

func (h *objHeader) find(typ msgType) *message {
	for i := range h.msgs {
		if h.msgs[i].typ == typ {
			return &h.msgs[i]
		}
	}
	return nil
}

func (h *objHeader) has(typ msgType) bool { return h.find(typ) != nil }

// objectHeader reads (and caches) the object header at addr.
func (f *File) objectHeader(addr uint64) (*objHeader, error) {
	if v, ok := f.st.ohCache.Load(addr); ok {
		return v.(*objHeader), nil
	}
	h, err := f.parseObjectHeader(addr)
	if err != nil {
		return nil, f.errf("", fmt.Sprintf("object header at 0x%x", addr), err)
	}
	v, _ := f.st.ohCache.LoadOrStore(addr, h)
	return v.(*objHeader), nil
}

type ohChunk struct{ addr, size uint64 }

// parseObjectHeader reads the object header at addr (IV.A.1 Data Object
// Header Prefix): version 2 starts with "OHDR", version 1 with its
// version byte.
func (f *File) parseObjectHeader(addr uint64) (*objHeader, error) {
	pre, err := f.readAtMost(addr, ohV1PrefixLen)
	if err != nil {
		return nil, err
	}
	if len(pre) >= sigLen && bytes.Equal(pre[:sigLen], []byte("OHDR")) {
		return f.parseObjectHeaderV2(addr)
	}
	return f.parseObjectHeaderV1(addr, pre)
}

// parseObjectHeaderV2 reads a version 2 object header (IV.A.1.b Version 2
// Data Object Header Prefix) and its continuation blocks ("OCHK").
func (f *File) parseObjectHeaderV2(addr uint64) (*objHeader, error) {
	h := &objHeader{addr: addr, version: 2}
	hb, err := f.readAtMost(addr, ohV2MaxPrefixLen)
	if err != nil {
		return nil, err
	}
	c := f.cursor(hb)
	c.skip(sigLen)
	if v := c.u8(); v != 2 {
		return nil, fmt.Errorf("object header version %d", v)
	}
	flags := ohFlags(c.u8())
	if flags&ohTimesStored != 0 {
		c.skip(ohV2TimesLen)
	}
	if flags&ohAttrPhaseStored != 0 {
		c.skip(ohV2PhaseLen)
	}
	size := c.uN(1 << (flags & ohChunk0SizeMask))
	if c.err != nil {
		return nil, c.err
	}
	start := uint64(c.off)
	total, ok := addCheck(start, size)
	if !ok {
		return nil, errTruncated
	}
	total, ok = addCheck(total, checksumLen)
	if !ok || total > uint64(f.size) {
		return nil, errTruncated
	}
	b, err := f.readAt(addr, total)
	if err != nil {
		return nil, err
	}
	if err := verifyChecksum(b); err != nil {
		return nil, err
	}
	var queue []ohChunk
	seen := map[uint64]bool{addr: true}
	if err := f.parseMsgsV2(h, b[start:len(b)-checksumLen], flags, &queue); err != nil {
		return nil, err
	}
	err = walkHeaderChunks(queue, seen, func(ch ohChunk, queue *[]ohChunk) error {
		b, err := f.readBlock("continuation block", ch.addr, ch.size, "OCHK")
		if err != nil {
			return err
		}
		return f.parseMsgsV2(h, b[sigLen:len(b)-checksumLen], flags, queue)
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// parseObjectHeaderV1 reads a version 1 object header (IV.A.1.a Version 1
// Data Object Header Prefix: version, reserved, number of messages, object
// reference count, object header size, padding to 16 bytes) and its
// continuation blocks; pre holds the prefix.
func (f *File) parseObjectHeaderV1(addr uint64, pre []byte) (*objHeader, error) {
	c := f.cursor(pre)
	if v := c.u8(); v != 1 {
		return nil, fmt.Errorf("unknown object header version %d", v)
	}
	c.skip(1)
	c.u16() // number of messages (not trusted)
	c.u32() // object reference count
	size := uint64(c.u32())
	if c.err != nil {
		return nil, c.err
	}
	h := &objHeader{addr: addr, version: 1}
	queue := []ohChunk{{addr + ohV1PrefixLen, size}}
	err := walkHeaderChunks(queue, map[uint64]bool{}, func(ch ohChunk, queue *[]ohChunk) error {
		b, err := f.readAt(ch.addr, ch.size)
		if err != nil {
			return fmt.Errorf("header chunk at 0x%x: %w", ch.addr, err)
		}
		return f.parseMsgsV1(h, b, queue)
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// parseMsgsV1 decodes the messages of one version 1 header chunk: per
// message a type (2 bytes), size (2), flags (1), 3 reserved bytes and the
// body.
func (f *File) parseMsgsV1(h *objHeader, b []byte, queue *[]ohChunk) error {
	c := f.cursor(b)
	for c.remaining() >= ohV1MsgHeaderLen {
		typ := msgType(c.u16())
		sz := int(c.u16())
		fl := msgFlags(c.u8())
		c.skip(3)
		if err := f.readMsg(c, h, typ, sz, fl, queue); err != nil {
			return err
		}
	}
	return nil
}

// walkHeaderChunks calls parse on each queued object header chunk in turn,
// and on those that parse appends to the queue (continuation messages),
// refusing a chunk seen before (a cycle) and more than maxHeaderChunks
// chunks in all. seen holds the chunks already read.
func walkHeaderChunks(queue []ohChunk, seen map[uint64]bool, parse func(ch ohChunk, queue *[]ohChunk) error) error {
	for len(queue) > 0 {
		ch := queue[0]
		queue = queue[1:]
		if seen[ch.addr] {
			return fmt.Errorf("continuation block cycle at 0x%x", ch.addr)
		}
		seen[ch.addr] = true
		if len(seen) > maxHeaderChunks {
			return errors.New("too many continuation blocks")
		}
		if err := parse(ch, &queue); err != nil {
			return err
		}
	}
	return nil
}

// parseMsgsV2 decodes the messages of one version 2 header chunk: per
// message a type (1 byte), size (2), flags (1), the creation order (2,
// when the header tracks it) and the body.
func (f *File) parseMsgsV2(h *objHeader, b []byte, hflags ohFlags, queue *[]ohChunk) error {
	c := f.cursor(b)
	hsz := ohV2MsgHeaderLen
	if hflags&ohAttrOrderTracked != 0 {
		hsz += 2
	}
	for c.remaining() >= hsz {
		typ := msgType(c.u8())
		sz := int(c.u16())
		fl := msgFlags(c.u8())
		if hflags&ohAttrOrderTracked != 0 {
			c.u16() // creation order
		}
		if err := f.readMsg(c, h, typ, sz, fl, queue); err != nil {
			return err
		}
	}
	return nil
}

// readMsg reads the sz-byte body of a message whose header c has just
// read and records it with addMsg.
func (f *File) readMsg(c *cursor, h *objHeader, typ msgType, sz int, fl msgFlags, queue *[]ohChunk) error {
	data := c.bytes(sz)
	if c.err != nil {
		return fmt.Errorf("message type 0x%x of size %d overruns its header chunk", typ, sz)
	}
	return f.addMsg(h, typ, fl, data, queue)
}

// addMsg records one message, dropping NIL messages and queueing the
// block a continuation message (IV.A.2.q: address and length) points to.
func (f *File) addMsg(h *objHeader, typ msgType, fl msgFlags, data []byte, queue *[]ohChunk) error {
	if len(h.msgs) >= maxHeaderMessages {
		return errors.New("too many header messages")
	}
	switch typ {
	case msgNil:
		return nil
	case msgContinuation:
		c := f.cursor(data)
		a := c.addr()
		n := c.length()
		if c.err != nil {
			return fmt.Errorf("continuation message: %w", c.err)
		}
		if n > uint64(f.size) {
			return fmt.Errorf("continuation block length %d exceeds file size", n)
		}
		*queue = append(*queue, ohChunk{a, n})
		return nil
	}
	h.msgs = append(h.msgs, message{typ: typ, flags: fl, data: data})
	return nil
}
