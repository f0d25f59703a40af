// Towers' view of zlib (Debian's zlib1g-dev): the inflate API, plus a wrapper for
// the inflateInit2 macro, which Swift cannot call. Internal to the package:
// public Towers API never exposes these types.
#ifndef TOWERS_CZLIB_SHIM_H
#define TOWERS_CZLIB_SHIM_H

#include <zlib.h>

/// inflateInit2 for gzip streams only (RFC 1952: header, CRC32 and ISIZE checked).
static inline int towers_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 16 + MAX_WBITS);
}

#endif
