package hdf5

import (
	"bytes"
	"errors"
	"fmt"
)

// Message types.
const (
	msgNil          = 0x00
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgFillOld      = 0x04
	msgFill         = 0x05
	msgLink         = 0x06
	msgExternal     = 0x07
	msgLayout       = 0x08
	msgGroupInfo    = 0x0A
	msgPipeline     = 0x0B
	msgAttribute    = 0x0C
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
	msgAttrInfo     = 0x15
)

const (
	maxHeaderChunks   = 1024
	maxHeaderMessages = 1 << 16
)

type message struct {
	typ   uint16
	flags uint8
	data  []byte
}

type objHeader struct {
	addr    uint64
	version int
	msgs    []message
}

func (h *objHeader) find(typ uint16) *message {
	for i := range h.msgs {
		if h.msgs[i].typ == typ {
			return &h.msgs[i]
		}
	}
	return nil
}

func (h *objHeader) has(typ uint16) bool { return h.find(typ) != nil }

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

func (f *File) parseObjectHeader(addr uint64) (*objHeader, error) {
	pre, err := f.readAtMost(addr, 16)
	if err != nil {
		return nil, err
	}
	h := &objHeader{addr: addr}
	var queue []ohChunk
	seen := map[uint64]bool{}
	if len(pre) >= 4 && bytes.Equal(pre[:4], []byte("OHDR")) {
		h.version = 2
		hb, err := f.readAtMost(addr, 4+1+1+16+4+8)
		if err != nil {
			return nil, err
		}
		c := f.cursor(hb)
		c.skip(4)
		if v := c.u8(); v != 2 {
			return nil, fmt.Errorf("object header version %d", v)
		}
		flags := c.u8()
		if flags&0x20 != 0 {
			c.skip(16)
		}
		if flags&0x10 != 0 {
			c.skip(4)
		}
		size := c.uN(1 << (flags & 3))
		if c.err != nil {
			return nil, c.err
		}
		start := uint64(c.off)
		total, ok := addCheck(start, size)
		if !ok {
			return nil, errTruncated
		}
		total, ok = addCheck(total, 4)
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
		seen[addr] = true
		if err := f.parseMsgsV2(h, b[start:len(b)-4], flags, &queue); err != nil {
			return nil, err
		}
		err = walkHeaderChunks(queue, seen, func(ch ohChunk, queue *[]ohChunk) error {
			b, err := f.readBlock("continuation block", ch.addr, ch.size, "OCHK")
			if err != nil {
				return err
			}
			return f.parseMsgsV2(h, b[4:len(b)-4], flags, queue)
		})
		if err != nil {
			return nil, err
		}
		return h, nil
	}
	// version 1
	c := f.cursor(pre)
	v := c.u8()
	if v != 1 {
		return nil, fmt.Errorf("unknown object header version %d", v)
	}
	c.skip(1)
	c.u16() // number of messages (not trusted)
	c.u32() // refcount
	size := uint64(c.u32())
	if c.err != nil {
		return nil, c.err
	}
	h.version = 1
	queue = append(queue, ohChunk{addr + 16, size})
	err = walkHeaderChunks(queue, seen, func(ch ohChunk, queue *[]ohChunk) error {
		b, err := f.readAt(ch.addr, ch.size)
		if err != nil {
			return fmt.Errorf("header chunk at 0x%x: %w", ch.addr, err)
		}
		c := f.cursor(b)
		for c.remaining() >= 8 {
			typ := c.u16()
			sz := int(c.u16())
			fl := c.u8()
			c.skip(3)
			data := c.bytes(sz)
			if c.err != nil {
				return fmt.Errorf("message type 0x%x of size %d overruns its header chunk", typ, sz)
			}
			if err := f.addMsg(h, typ, fl, data, queue); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return h, nil
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

func (f *File) parseMsgsV2(h *objHeader, b []byte, hflags uint8, queue *[]ohChunk) error {
	c := f.cursor(b)
	hsz := 4
	if hflags&0x04 != 0 {
		hsz = 6
	}
	for c.remaining() >= hsz {
		typ := c.u8()
		sz := int(c.u16())
		fl := c.u8()
		if hflags&0x04 != 0 {
			c.u16()
		}
		data := c.bytes(sz)
		if c.err != nil {
			return fmt.Errorf("message type 0x%x of size %d overruns its header chunk", typ, sz)
		}
		if err := f.addMsg(h, uint16(typ), fl, data, queue); err != nil {
			return err
		}
	}
	return nil
}

func (f *File) addMsg(h *objHeader, typ uint16, fl uint8, data []byte, queue *[]ohChunk) error {
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
