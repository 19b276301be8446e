// Keeps API keys out of text that came from a provider. A provider may echo the key it was
// sent (a proxy that logs its request into an error, a misconfigured gateway, OpenAI's
// masked "sk-ab****1234"), in an error body, a stream's error event, an answer or a header.
// Every such text passes through a Redactor once, where it enters the daemon
// (http/redacting_http_client.h), so no later path can let it out.
//
// What is replaced by "[redacted]", for each key added:
//   - the whole key (a key under 8 bytes only as a whole word: shorter ones match ordinary
//     text);
//   - the key without its "sk-" style prefix (each leading segment of up to 8 letters or
//     digits ending in '-' or '_' stripped in turn, while 12 bytes or more remain);
//   - its last 8 bytes (keys of 16 bytes or more);
//   - its last 4 bytes where a mask precedes them ('*', '.', '…', '•': "sk-ab****1234"),
//     not anywhere, since 4 bytes occur in ordinary text and numbers;
//   - any of those written with JSON escapes ("\u0073k-…", "\/"), character by character;
//   - the token after "key provided: ", the phrase of OpenAI's wrong-key error.
// Loop thread only; Add() between uses.
#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard {

class Redactor {
 public:
  static constexpr std::string_view kMark = "[redacted]";

  Redactor();

  // Adds a secret; an empty one, or one already added, changes nothing.
  void Add(std::string_view secret);

  // `text` with every match replaced.
  std::string Redact(std::string_view text) const;
  // The same in place; false, with nothing copied, when there was nothing to replace (the
  // usual case, so an answer's body is not copied for nothing).
  bool RedactInPlace(std::string* text) const;

  // Text that arrives in pieces (a streamed body): a key may be split between two pieces,
  // so a tail that could be the start of one is kept back until the next piece shows
  // whether it is.
  class Stream {
   public:
    explicit Stream(const Redactor* redactor) : redactor_(redactor) {}
    // Appends to `out` what of the text so far can be passed on.
    void Feed(std::string_view piece, std::string* out);
    // The end of the text: appends what was kept back.
    void Finish(std::string* out);

   private:
    const Redactor* redactor_;
    std::string carry_;
    char before_ = '\0';  // the last byte passed on: matches look at their left neighbour
  };

 private:
  enum class Where { kAnywhere, kWholeWord, kAfterMask };
  struct Form {
    std::string text;
    Where where;
  };
  enum class Match { kNo, kYes, kPartial };
  // A match found by Next(): `skip` bytes kept, then `cover` bytes replaced; or, `partial`,
  // a match that may go on past the end of the text.
  struct Hit {
    size_t skip = 0;
    size_t cover = 0;
    bool partial = false;
  };

  // Redacts `text` (whose previous byte was `before`) into `out`. With `final` the text ends
  // here; otherwise a match that runs off its end stops the scan. Returns how many bytes of
  // `text` were consumed.
  size_t Scan(std::string_view text, char before, bool final, std::string* out) const;
  // Where the next match (or partial match) at or after `from` starts; npos if none.
  size_t Next(std::string_view text, size_t from, char before, bool final, Hit* hit) const;
  Match MatchAt(std::string_view text, size_t i, char before, bool final, const Form& f,
                size_t* len) const;
  Match MatchEcho(std::string_view text, size_t i, bool final, size_t* phrase,
                  size_t* token) const;

  std::vector<Form> forms_;  // longest first
  // Bytes a match can start with: a form's first byte, a backslash (an escape), or 'k' of
  // "key provided: ". And for each, the bytes that may follow it: most texts hold start
  // bytes ('s' of "sk-" in every other word), but seldom followed by the right second one.
  std::array<bool, 256> starts_{};
  std::array<std::bitset<256>, 256> seconds_{};
};

}  // namespace switchyard
