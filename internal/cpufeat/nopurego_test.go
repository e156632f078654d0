//go:build !purego

package cpufeat

// purego: this build may use assembly.
const purego = false
