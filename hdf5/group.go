package hdf5

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

const maxLinks = 1 << 22

type linkEntry struct {
	Link
	addr uint64
}

// linkFlags are the flags of a Link Message (IV.A.2.g).
type linkFlags uint8

// Link message flags.
const (
	linkNameSizeMask   linkFlags = 0x03 // bits 0-1: the "Length of Link Name" field is 1, 2, 4 or 8 bytes
	linkOrderPresent   linkFlags = 0x04 // bit 2: creation order (8 bytes) present
	linkTypePresent    linkFlags = 0x08 // bit 3: link type present (else a hard link)
	linkCharsetPresent linkFlags = 0x10 // bit 4: link name character set present
)

// infoOrderTracked (bit 0 of the Link Info (IV.A.2.c) and Attribute Info
// (IV.A.2.v) message flags): creation order is tracked, and the maximum
// creation index is stored (8 bytes for links, 2 for attributes).
const infoOrderTracked = 0x01

// Symbol table structures (III.B Group Symbol Table Nodes, III.C Symbol
// Table Entry).
const (
	// symbol table node: "SNOD", version, reserved, number of symbols (2)
	symNodeFixed = sigLen + 1 + 1 + 2
	// symbol table entry: link name offset and object header address
	// (offsets), cache type (4), reserved (4), scratch pad (16)
	symEntryFixed   = 4 + 4 + symScratchLen
	symScratchLen   = 16
	symCacheSymlink = 2 // cache type 2: the scratch pad holds a soft link's value offset
)

// parseLinkMessage decodes a link message (IV.A.2.g The Link Message).
func (f *File) parseLinkMessage(data []byte) (linkEntry, error) {
	var l linkEntry
	c := f.cursor(data)
	if v := c.u8(); v != 1 {
		return l, fmt.Errorf("link message version %d", v)
	}
	flags := linkFlags(c.u8())
	if flags&linkTypePresent != 0 {
		l.Type = LinkType(c.u8())
	}
	if flags&linkOrderPresent != 0 {
		c.u64()
	}
	if flags&linkCharsetPresent != 0 {
		c.u8()
	}
	n := c.uN(1 << (flags & linkNameSizeMask))
	if n > uint64(c.remaining()) {
		return l, fmt.Errorf("link name of %d bytes in a %d-byte message", n, len(data))
	}
	l.Name = string(c.bytes(int(n)))
	switch l.Type {
	case LinkHard:
		l.addr = c.addr()
	case LinkSoft:
		m := int(c.u16())
		l.Target = string(c.bytes(m))
	case LinkExternal:
		m := int(c.u16())
		b := c.bytes(m)
		if len(b) > 1 {
			parts := strings.SplitN(string(b[1:]), "\x00", 3)
			if len(parts) >= 2 {
				l.Target = parts[0] + ":" + parts[1]
			} else {
				l.Target = parts[0]
			}
		}
	default:
		m := int(c.u16())
		c.bytes(m)
	}
	if c.err != nil {
		return l, fmt.Errorf("link message: %w", c.err)
	}
	return l, nil
}

// links lists a group's members, sorted by name: those of an old-style
// group (a symbol table), the link messages of a compact new-style group,
// and the links in dense storage.
func (f *File) links(h *objHeader, path string) ([]linkEntry, error) {
	var out []linkEntry
	if m := h.find(msgSymbolTable); m != nil {
		var err error
		if out, err = f.symbolTableLinks(m, path); err != nil {
			return nil, err
		}
	}
	for i := range h.msgs {
		if h.msgs[i].typ != msgLink {
			continue
		}
		l, err := f.parseLinkMessage(h.msgs[i].data)
		if err != nil {
			return nil, f.errf(path, "link message", err)
		}
		out = append(out, l)
	}
	if m := h.find(msgLinkInfo); m != nil {
		var err error
		if out, err = f.denseLinks(m, path, out); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// symbolTableLinks lists an old-style group: the Symbol Table Message
// (IV.A.2.r) names a version 1 B-tree of group nodes and the local heap
// of the member names; the tree's children are symbol table nodes.
func (f *File) symbolTableLinks(m *message, path string) ([]linkEntry, error) {
	c := f.cursor(m.data)
	bt := c.addr()
	hp := c.addr()
	if c.err != nil {
		return nil, f.errf(path, "symbol table message", c.err)
	}
	heap, err := f.localHeap(hp)
	if err != nil {
		return nil, f.errf(path, "group local heap", err)
	}
	var out []linkEntry
	err = f.walkBTree1(bt, btree1Group, f.st.lsize, func(_ []byte, child uint64) error {
		var err error
		out, err = f.symbolNode(child, heap, out)
		return err
	})
	if err != nil {
		return nil, f.errf(path, "group symbol table", err)
	}
	return out, nil
}

// symbolNode appends the entries of the symbol table node at addr (III.B
// Group Symbol Table Nodes; each entry a III.C Symbol Table Entry) to out.
func (f *File) symbolNode(addr uint64, heap *localHeap, out []linkEntry) ([]linkEntry, error) {
	hb, err := f.readAt(addr, symNodeFixed)
	if err != nil {
		return out, fmt.Errorf("symbol table node at 0x%x: %w", addr, err)
	}
	if string(hb[:sigLen]) != "SNOD" {
		return out, fmt.Errorf("symbol table node at 0x%x: bad signature", addr)
	}
	n := int(hb[6]) | int(hb[7])<<8
	// III.C: the link name offset has the size of lengths (libhdf5's
	// H5G__ent_decode: H5F_DECODE_LENGTH), the object header address the
	// size of offsets; they differ in files with 8-byte offsets and 4-byte
	// lengths
	entSize := f.st.lsize + f.st.osize + symEntryFixed
	b, err := f.readAt(addr, uint64(symNodeFixed+n*entSize))
	if err != nil {
		return out, fmt.Errorf("symbol table node at 0x%x with %d entries: %w", addr, n, err)
	}
	c := f.cursor(b)
	c.skip(symNodeFixed)
	for i := 0; i < n; i++ {
		nameOff := c.length()
		objAddr := c.addr()
		cache := c.u32()
		c.skip(4)
		scratch := c.bytes(symScratchLen)
		if c.err != nil {
			return out, c.err
		}
		name, err := heap.str(nameOff)
		if err != nil {
			return out, err
		}
		le := linkEntry{Link: Link{Name: name, Type: LinkHard}, addr: objAddr}
		if cache == symCacheSymlink {
			// soft link: the scratch pad holds the heap offset of its value
			le.Type = LinkSoft
			le.addr = undef
			if le.Target, err = heap.str(leUint(scratch[:4])); err != nil {
				return out, err
			}
		}
		out = append(out, le)
		if len(out) > maxLinks {
			return out, errors.New("too many links")
		}
	}
	return out, nil
}

// denseLinks appends to out the links in dense storage, as the Link Info
// Message (IV.A.2.c) names it: a fractal heap (III.G) of link messages and
// a version 2 B-tree (III.A.2, record type 5) indexing their names.
func (f *File) denseLinks(m *message, path string, out []linkEntry) ([]linkEntry, error) {
	c := f.cursor(m.data)
	c.u8() // version
	flags := c.u8()
	if flags&infoOrderTracked != 0 {
		c.u64() // maximum creation index
	}
	heapAddr := c.addr()
	nameIdx := c.addr()
	if c.err != nil {
		return nil, f.errf(path, "link info message", c.err)
	}
	if heapAddr == undef || nameIdx == undef {
		return out, nil
	}
	fh, err := f.fractalHeap(heapAddr)
	if err != nil {
		return nil, f.errf(path, "dense link storage", err)
	}
	err = f.walkBTree2(nameIdx, func(rec []byte) error {
		// record type 5: name hash (4 bytes), heap ID
		if len(rec) < 5 {
			return errors.New("short link name record")
		}
		obj, err := fh.get(rec[4:])
		if err != nil {
			return err
		}
		l, err := f.parseLinkMessage(obj)
		if err != nil {
			return err
		}
		out = append(out, l)
		if len(out) > maxLinks {
			return errors.New("too many links")
		}
		return nil
	})
	if err != nil {
		return nil, f.errf(path, "dense link storage", err)
	}
	return out, nil
}

func joinPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// isGroup reports whether a header describes a group (and not a dataset or
// committed datatype).
func isDatasetHeader(h *objHeader) bool { return h.has(msgLayout) }

func isDatatypeHeader(h *objHeader) bool {
	return !h.has(msgLayout) && h.has(msgDatatype) && !h.has(msgDataspace)
}

// object builds the Object for the header at addr.
func (f *File) object(addr uint64, path string) (Object, error) {
	h, err := f.objectHeader(addr)
	if err != nil {
		return nil, f.errf(path, "object", err)
	}
	switch {
	case isDatasetHeader(h):
		info, err := f.datasetInfo(h, path)
		if err != nil {
			return nil, err
		}
		d := &Dataset{f: f, path: path, addr: addr, info: info}
		if err := d.virtualExtent(); err != nil {
			return nil, f.errf(path, "virtual dataset", err)
		}
		return d, nil
	case isDatatypeHeader(h):
		return &Other{path: path, f: f, addr: addr}, nil
	}
	return &Group{f: f, path: path, addr: addr}, nil
}

// lookup resolves an absolute path by hard links.
func (f *File) lookup(path string) (Object, error) {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	var cur Object = f.root
	curPath := "/"
	for _, part := range strings.Split(path, "/") {
		if part == "" || part == "." {
			continue
		}
		g, ok := cur.(*Group)
		if !ok {
			return nil, f.errf(path, "path lookup", fmt.Errorf("%w: %s is not a group", ErrNotFound, curPath))
		}
		ls, err := g.linkEntries()
		if err != nil {
			return nil, err
		}
		i := sort.Search(len(ls), func(i int) bool { return ls[i].Name >= part })
		if i >= len(ls) || ls[i].Name != part {
			return nil, f.errf(path, "path lookup", fmt.Errorf("%w: no member %q in %s", ErrNotFound, part, curPath))
		}
		curPath = joinPath(curPath, part)
		if ls[i].Type != LinkHard {
			return nil, f.errf(path, "path lookup", fmt.Errorf("%w: %s is a %s link to %q, which is not followed", ErrNotFound, curPath, linkKind(ls[i].Type), ls[i].Target))
		}
		if cur, err = f.object(ls[i].addr, curPath); err != nil {
			return nil, err
		}
	}
	return cur, nil
}

func linkKind(t LinkType) string {
	switch t {
	case LinkSoft:
		return "soft"
	case LinkExternal:
		return "external"
	}
	return fmt.Sprintf("type-%d", int(t))
}

func (g *Group) linkEntries() ([]linkEntry, error) {
	h, err := g.f.objectHeader(g.addr)
	if err != nil {
		return nil, g.f.errf(g.path, "group", err)
	}
	return g.f.links(h, g.path)
}

// walk visits objects depth first (see Walk).
func (f *File) walk(fn func(path string, obj Object) error) error {
	seen := map[uint64]bool{}
	var rec func(g *Group, depth int) error
	rec = func(g *Group, depth int) error {
		if depth > 256 {
			return fn(g.path, &BadObject{f: f, path: g.path, addr: g.addr, err: f.errf(g.path, "walk", errors.New("groups nested more than 256 deep; the members are not listed"))})
		}
		ls, err := g.linkEntries()
		if err != nil {
			return fn(g.path, &BadObject{f: f, path: g.path, addr: g.addr, err: f.errf(g.path, "group members", err)})
		}
		for _, l := range ls {
			if l.Type != LinkHard || seen[l.addr] {
				continue
			}
			seen[l.addr] = true
			p := joinPath(g.path, l.Name)
			obj, err := f.object(l.addr, p)
			if err != nil {
				obj = &BadObject{f: f, path: p, addr: l.addr, err: f.errf(p, "object", err)}
			}
			if err := fn(p, obj); err != nil {
				return err
			}
			if sg, ok := obj.(*Group); ok {
				if err := rec(sg, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	seen[f.root.addr] = true
	if err := fn("/", f.root); err != nil {
		return err
	}
	return rec(f.root, 0)
}

func (f *File) dereference(ref Reference) (Object, error) {
	addr := uint64(ref)
	if addr == 0 || addr == undef {
		return nil, f.errf("", "dereference", fmt.Errorf("%w: null reference", ErrNotFound))
	}
	f.st.refOnce.Do(func() {
		f.st.refPaths = map[uint64]string{}
		f.st.refErr = f.walk(func(p string, obj Object) error {
			switch o := obj.(type) {
			case *Group:
				f.st.refPaths[o.addr] = p
			case *Dataset:
				f.st.refPaths[o.addr] = p
			case *Other:
				f.st.refPaths[o.addr] = p
			}
			return nil
		})
	})
	p, ok := f.st.refPaths[addr]
	if !ok {
		p = fmt.Sprintf("<object 0x%x>", addr)
	}
	return f.object(addr, p)
}
