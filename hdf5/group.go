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

// parseLinkMessage decodes a link message (type 0x06).
func (f *File) parseLinkMessage(data []byte) (linkEntry, error) {
	var l linkEntry
	c := f.cursor(data)
	if v := c.u8(); v != 1 {
		return l, fmt.Errorf("link message version %d", v)
	}
	flags := c.u8()
	if flags&0x08 != 0 {
		l.Type = LinkType(c.u8())
	}
	if flags&0x04 != 0 {
		c.u64()
	}
	if flags&0x10 != 0 {
		c.u8()
	}
	n := c.uN(1 << (flags & 3))
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

// links lists a group's members (unsorted).
func (f *File) links(h *objHeader, path string) ([]linkEntry, error) {
	var out []linkEntry
	if m := h.find(msgSymbolTable); m != nil {
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
		// III.C symbol table entry: link name offset, object header
		// address, cache type, reserved, 16-byte scratch pad; libhdf5
		// encodes the name offset with the size of lengths (H5G__ent_decode:
		// H5F_DECODE_LENGTH), which matters when the sizes differ
		entSize := f.st.lsize + f.st.osize + 24
		err = f.walkBTree1(bt, 0, f.st.lsize, func(_ []byte, child uint64) error {
			hb, err := f.readAt(child, 8)
			if err != nil {
				return fmt.Errorf("symbol table node at 0x%x: %w", child, err)
			}
			if string(hb[:4]) != "SNOD" {
				return fmt.Errorf("symbol table node at 0x%x: bad signature", child)
			}
			n := int(hb[6]) | int(hb[7])<<8
			b, err := f.readAt(child, uint64(8+n*entSize))
			if err != nil {
				return fmt.Errorf("symbol table node at 0x%x with %d entries: %w", child, n, err)
			}
			c := f.cursor(b)
			c.skip(8)
			for i := 0; i < n; i++ {
				nameOff := c.length()
				addr := c.addr()
				cache := c.u32()
				c.skip(4)
				scratch := c.bytes(16)
				if c.err != nil {
					return c.err
				}
				name, err := heap.str(nameOff)
				if err != nil {
					return err
				}
				le := linkEntry{Link: Link{Name: name, Type: LinkHard}, addr: addr}
				if cache == 2 {
					// soft link: the scratch pad holds the heap offset of its value
					le.Type = LinkSoft
					le.addr = undef
					if le.Target, err = heap.str(leUint(scratch[:4])); err != nil {
						return err
					}
				}
				out = append(out, le)
				if len(out) > maxLinks {
					return errors.New("too many links")
				}
			}
			return nil
		})
		if err != nil {
			return nil, f.errf(path, "group symbol table", err)
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
		c := f.cursor(m.data)
		c.u8()
		flags := c.u8()
		if flags&1 != 0 {
			c.u64()
		}
		heapAddr := c.addr()
		nameIdx := c.addr()
		if c.err != nil {
			return nil, f.errf(path, "link info message", c.err)
		}
		if heapAddr != undef && nameIdx != undef {
			fh, err := f.fractalHeap(heapAddr)
			if err != nil {
				return nil, f.errf(path, "dense link storage", err)
			}
			err = f.walkBTree2(nameIdx, func(rec []byte) error {
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
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
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
