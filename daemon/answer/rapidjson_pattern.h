// A schema's "pattern" and "patternProperties" keys as RapidJSON 1.1's own regular
// expressions (rapidjson/internal/regex.h, the engine its validator compiles them with) can
// take them. That engine reads less than ECMA 262, which schemas' patterns are written in,
// and some of what it misreads it does not refuse: an empty group (`a()`, `a(|b)`) or a
// quantifier with nothing before it (`{2}`) makes it read outside its own stack, and a
// nested count (`((a{999}){999}){999}`) makes it build a billion states. So a pattern is
// first rewritten into its dialect where that is exact, then handed over only when it lies
// in the subset the engine compiles to what ECMA 262 means. Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard {

// The most states a pattern may compile to. Matching costs states × characters; a length
// bound belongs in "maxLength", not in a pattern of a thousand copies.
inline constexpr size_t kMaxPatternStates = 4096;

// What to give the engine for the ECMA 262 `pattern`, or nothing when it cannot take it.
// First what the engine lacks is spelt in what it has: the class escapes \d, \w and \s become
// the classes they stand for, and escaped punctuation that means itself (`\/`, `\:`) that
// character. Then the pattern is given only if it lies in a plain subset (literals, `.`,
// classes, the escapes the engine knows, non-empty groups and alternatives, quantifiers
// after an atom, `^` and `$` anchoring every top-level alternative alike) and compiles to at
// most kMaxPatternStates. A pattern that ECMA 262 finds in every string (one that can match
// nothing, unanchored at an end) becomes `.*`, which the engine matches everywhere too. A
// pattern not given is left unchecked, never failing an answer.
std::optional<std::string> EnginePattern(std::string_view pattern);

// Whether the engine can compile `pattern` as it is without reading outside its stack or
// building more than kMaxPatternStates states, whatever it then makes of it. It compiles
// every object of a schema document as a schema, data too, and matches with few of them.
bool EngineCompilesSafely(std::string_view pattern);

}  // namespace switchyard
