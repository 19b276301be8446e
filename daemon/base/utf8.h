// UTF-8 checks for the texts the daemon keeps or echoes. Clients decode every msgpack string
// as UTF-8 (strict ones refuse the whole message otherwise), so a string that is not valid
// UTF-8 must never get into an answer, `status` or the history.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace switchyard {

// Well-formed UTF-8: no stray continuation bytes, no overlong forms, no surrogates, nothing
// past U+10FFFF.
bool IsValidUtf8(std::string_view s);

// `s` fit to quote in an error message: valid UTF-8 is kept, other bytes and control
// characters are written \xNN, and past `max_bytes` it is cut (on a character) with "...".
std::string Printable(std::string_view s, size_t max_bytes = 64);

}  // namespace switchyard
