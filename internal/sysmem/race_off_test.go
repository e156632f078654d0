//go:build !race

package sysmem

// raceEnabled reports a build with the race detector, whose shadow memory
// (several times the heap) is counted in the RSS.
const raceEnabled = false
