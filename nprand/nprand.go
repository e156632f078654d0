// Package nprand reproduces numpy's legacy random streams
// (numpy.random.RandomState) bit for bit: the MT19937 generator seeded as
// RandomState(seed) seeds it, and the legacy algorithms built on it that
// openretina uses to draw validation clips: permutation, shuffle,
// choice(n, k, replace=False) and randint.
//
// numpy's RandomState(seed) with an integer seed in [0, 2^32) runs
// MT19937's init_genrand(seed); with an array of such integers it runs
// init_by_array (NewFromArray). Bounded integers come from masked
// rejection sampling on 32-bit outputs (64-bit outputs for ranges above
// 2^32-1), exactly as numpy's random_interval and
// random_bounded_uint64_fill with use_masked=True.
package nprand

import (
	"errors"
	"fmt"
	"math/bits"
)

const (
	n         = 624
	m         = 397
	matrixA   = 0x9908b0df
	upperMask = 0x80000000
	lowerMask = 0x7fffffff
)

// RandomState is numpy's legacy random generator state (MT19937). It is
// not safe for concurrent use.
type RandomState struct {
	mt  [n]uint32
	pos int
}

// New returns the state of numpy.random.RandomState(seed).
func New(seed uint32) *RandomState {
	r := &RandomState{}
	r.initGenrand(seed)
	return r
}

// NewFromArray returns the state of numpy.random.RandomState(key) for a
// 1-d array of seeds (init_by_array). The key must not be empty.
func NewFromArray(key []uint32) (*RandomState, error) {
	if len(key) == 0 {
		return nil, errors.New("nprand: seed array must be non-empty")
	}
	r := &RandomState{}
	r.initGenrand(19650218)
	mt := &r.mt
	i, j := 1, 0
	k := max(n, len(key))
	for ; k > 0; k-- {
		mt[i] = (mt[i] ^ ((mt[i-1] ^ (mt[i-1] >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= n {
			mt[0] = mt[n-1]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k = n - 1; k > 0; k-- {
		mt[i] = (mt[i] ^ ((mt[i-1] ^ (mt[i-1] >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= n {
			mt[0] = mt[n-1]
			i = 1
		}
	}
	mt[0] = 0x80000000
	r.pos = n
	return r, nil
}

// Seed checks that seed is a valid numpy integer seed (0 <= seed < 2^32)
// and returns New(seed).
func Seed(seed int64) (*RandomState, error) {
	if seed < 0 || seed > 0xFFFFFFFF {
		return nil, fmt.Errorf("nprand: seed %d must be between 0 and 2**32 - 1 (as numpy requires)", seed)
	}
	return New(uint32(seed)), nil
}

// CheckSeed returns seed as numpy's 32-bit integer seed, or an error when
// it is 2^32 or more. Commands take --seed as uint64 and check it here, so
// that every command types and bounds it the same way.
func CheckSeed(seed uint64) (uint32, error) {
	if seed > 0xFFFFFFFF {
		return 0, fmt.Errorf("seed %d is out of range: numpy's RandomState takes seeds from 0 to 2^32-1 = 4294967295", seed)
	}
	return uint32(seed), nil
}

func (r *RandomState) initGenrand(s uint32) {
	r.mt[0] = s
	for i := 1; i < n; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.pos = n
}

func (r *RandomState) generate() {
	mt := &r.mt
	var y uint32
	for i := 0; i < n-m; i++ {
		y = (mt[i] & upperMask) | (mt[i+1] & lowerMask)
		mt[i] = mt[i+m] ^ (y >> 1) ^ (-(y & 1) & matrixA)
	}
	for i := n - m; i < n-1; i++ {
		y = (mt[i] & upperMask) | (mt[i+1] & lowerMask)
		mt[i] = mt[i+(m-n)] ^ (y >> 1) ^ (-(y & 1) & matrixA)
	}
	y = (mt[n-1] & upperMask) | (mt[0] & lowerMask)
	mt[n-1] = mt[m-1] ^ (y >> 1) ^ (-(y & 1) & matrixA)
	r.pos = 0
}

// Uint32 returns the next raw 32-bit output (numpy's next_uint32; in
// numpy these are the values of randint(0, 2**32, dtype=np.uint64)).
func (r *RandomState) Uint32() uint32 {
	if r.pos >= n {
		r.generate()
	}
	y := r.mt[r.pos]
	r.pos++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// Uint64 returns two 32-bit outputs joined, the first in the high half
// (numpy's next_uint64 for MT19937).
func (r *RandomState) Uint64() uint64 {
	hi := uint64(r.Uint32())
	return hi<<32 | uint64(r.Uint32())
}

// Float64 returns numpy's random_sample(): a double in [0, 1) with 53
// random bits, (a>>5 * 2^26 + b>>6) / 2^53.
func (r *RandomState) Float64() float64 {
	a := r.Uint32() >> 5
	b := r.Uint32() >> 6
	return (float64(a)*67108864.0 + float64(b)) / 9007199254740992.0
}

// interval returns a value in [0, max] by masked rejection sampling, as
// numpy's random_interval.
func (r *RandomState) interval(max uint64) uint64 {
	if max == 0 {
		return 0
	}
	mask := uint64(1)<<bits.Len64(max) - 1
	if bits.Len64(max) == 64 {
		mask = ^uint64(0)
	}
	if max <= 0xFFFFFFFF {
		for {
			v := uint64(r.Uint32()) & mask
			if v <= max {
				return v
			}
		}
	}
	for {
		v := r.Uint64() & mask
		if v <= max {
			return v
		}
	}
}

// Shuffle permutes n items in place as numpy's RandomState.shuffle does
// for a 1-d array: for i from n-1 down to 1, swap(i, j) with j drawn
// uniformly from [0, i].
func (r *RandomState) Shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i >= 1; i-- {
		j := int(r.interval(uint64(i)))
		swap(i, j)
	}
}

// Permutation returns numpy's RandomState.permutation(n): a shuffled
// arange(n).
func (r *RandomState) Permutation(n int) []int {
	if n < 0 {
		n = 0
	}
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	r.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// Choice returns numpy's RandomState.choice(n, k, replace=False):
// permutation(n)[:k], in draw order. It errors when k > n or k < 0, as
// numpy does.
func (r *RandomState) Choice(n, k int) ([]int, error) {
	if n < 0 {
		return nil, fmt.Errorf("nprand: population size %d must be non-negative", n)
	}
	if k < 0 {
		return nil, fmt.Errorf("nprand: sample size %d must be non-negative", k)
	}
	if k > n {
		return nil, fmt.Errorf("nprand: cannot take a sample of %d from a population of %d without replacement", k, n)
	}
	return r.Permutation(n)[:k], nil
}

// Randint returns numpy's RandomState.randint(low, high) for the default
// dtype (int64): a value in [low, high), by masked rejection sampling
// on 32-bit outputs when high-low-1 < 2^32 and 64-bit outputs otherwise.
// Calling it k times gives randint(low, high, size=k).
func (r *RandomState) Randint(low, high int64) (int64, error) {
	if low >= high {
		return 0, fmt.Errorf("nprand: randint low %d >= high %d", low, high)
	}
	rng := uint64(high) - uint64(low) - 1
	off := uint64(low)
	switch {
	case rng == 0:
		return low, nil
	case rng == 0xFFFFFFFF:
		return int64(off + uint64(r.Uint32())), nil
	case rng < 0xFFFFFFFF:
		mask := uint64(1)<<bits.Len64(rng) - 1
		for {
			v := uint64(r.Uint32()) & mask
			if v <= rng {
				return int64(off + v), nil
			}
		}
	case rng == ^uint64(0):
		return int64(off + r.Uint64()), nil
	}
	mask := uint64(1)<<bits.Len64(rng) - 1
	if bits.Len64(rng) == 64 {
		mask = ^uint64(0)
	}
	for {
		v := r.Uint64() & mask
		if v <= rng {
			return int64(off + v), nil
		}
	}
}

// RandintN returns numpy's RandomState.randint(low, high, size=k).
func (r *RandomState) RandintN(low, high int64, k int) ([]int64, error) {
	out := make([]int64, k)
	for i := range out {
		v, err := r.Randint(low, high)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
