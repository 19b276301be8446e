// RE2 in the place of RapidJSON 1.1's own regular expressions. Its schema validator compiles
// each "pattern" and "patternProperties" key with rapidjson::internal::GenericRegex, from
// rapidjson/internal/regex.h; that engine reads outside its stack on an empty group (`a()`),
// follows a loop of empty steps until the stack runs out (`(a*)*`), and takes time that
// grows with the square of a pattern's size at every character. This header defines that
// class over RE2 and claims the header's include guard, so <rapidjson/schema.h> compiles
// with it: include it first, in the one file that includes RapidJSON's schema. The pattern
// is ECMA 262, compiled by answer/ecma_pattern.h; one it cannot spell in RE2's syntax, or
// RE2 refuses, is not valid, and RapidJSON leaves it unchecked.
#pragma once

#ifdef RAPIDJSON_INTERNAL_REGEX_H_
#error "answer/rapidjson_re2.h must come before any RapidJSON header that includes regex.h"
#endif
#define RAPIDJSON_INTERNAL_REGEX_H_

#include <rapidjson/allocators.h>
#include <re2/re2.h>

#include <cstddef>
#include <memory>
#include <string_view>

#include "answer/ecma_pattern.h"

namespace switchyard {

// The string a validation is checking, with its length. RapidJSON 1.1 hands a pattern only
// the string's pointer (schema.h's IsPatternMatch drops the length it is given), so a string
// with a NUL in it would be matched only up to the NUL; the validator's caller names each
// string here for the length of its check (answer/json_schema.cc), and Search takes its
// length from it.
struct PatternSubject {
  const char* data = nullptr;
  size_t size = 0;
};
inline thread_local PatternSubject pattern_subject;

}  // namespace switchyard

RAPIDJSON_NAMESPACE_BEGIN
namespace internal {

// What schema.h asks of its regex: built from the pattern's C string (answer/json_schema.cc
// spells any NUL in a pattern as an escape), IsValid, and Search, which finds the pattern
// anywhere in a string.
template <typename Encoding, typename Allocator = CrtAllocator>
class GenericRegex {
 public:
  using Ch = typename Encoding::Ch;
  explicit GenericRegex(const Ch* source, Allocator* = nullptr)
      : re_(switchyard::CompileEcmaPattern(source)) {}
  bool IsValid() const { return re_ != nullptr; }
  bool Search(const Ch* s) const {
    const switchyard::PatternSubject& at = switchyard::pattern_subject;
    std::string_view text = s == at.data ? std::string_view(s, at.size) : std::string_view(s);
    return RE2::PartialMatch(text, *re_);
  }

 private:
  std::unique_ptr<RE2> re_;
};

}  // namespace internal
RAPIDJSON_NAMESPACE_END
