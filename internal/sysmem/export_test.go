package sysmem

import "runtime/debug"

func freeOS() { debug.FreeOSMemory() }
