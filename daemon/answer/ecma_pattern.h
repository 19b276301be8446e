// JSON Schema's "pattern" and "patternProperties" are ECMA 262 regular expressions. They are
// matched with RE2 (Debian's libre2-dev): its time is linear in the text and its memory
// bounded whatever the pattern, so a schema a client sends cannot stall the daemon or crash
// it, as RapidJSON 1.1's own engine could. RE2's syntax is close to ECMA 262's but not the
// same; this spells a pattern in it. Pure.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard {

// `ecma` in RE2's syntax, meaning what ECMA 262 means by it: `.` stops at line terminators,
// `\s` is ECMA's whitespace, `\uXXXX` and `\cX` are the characters they name, an escaped
// letter without a meaning is the letter (RE2 reads `\A`, `\z`, `\p` and `\Q` otherwise), a
// `[` in a class is itself, `[]` matches nothing and `[^]` anything. Nothing when ECMA 262
// says what RE2 cannot (lookaround, backreferences, `\S` in a class) or the pattern is not
// ECMA 262 at all; such a pattern is left unchecked. Characters are matched as Unicode code
// points.
std::optional<std::string> Re2Syntax(std::string_view ecma);

// `ecma` spelt by Re2Syntax and compiled, or nothing. Bounded: RE2 refuses a pattern whose
// program would pass 1 MiB, and matches in time linear in the text.
std::unique_ptr<RE2> CompileEcmaPattern(std::string_view ecma);

}  // namespace switchyard
