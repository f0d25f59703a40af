// Declarations only (include/CFuzzer.h); SwiftPM needs a source file per C target.
#include "CFuzzer.h"
