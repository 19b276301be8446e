#include "base/redactor.h"

#include <algorithm>

namespace switchyard {
namespace {

constexpr std::string_view kEchoPhrase = "key provided: ";
// OpenAI's echo is a masked key: past this many bytes without an end it is cut there.
constexpr size_t kMaxEchoToken = 200;

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// A byte that ends a mask: '*', '.', or the last byte of '…' (E2 80 A6) or '•' (E2 80 A2).
bool IsMask(char c) {
  auto b = static_cast<unsigned char>(c);
  return c == '*' || c == '.' || b == 0xA6 || b == 0xA2;
}

bool EndsEchoToken(char c) {
  return c == ' ' || c == ',' || c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\'';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Redactor::Redactor() {
  starts_['\\'] = true;
  for (char c : {'u', '/', '"', '\\'}) seconds_['\\'].set(static_cast<unsigned char>(c));
  starts_[static_cast<unsigned char>(kEchoPhrase[0])] = true;
  seconds_[static_cast<unsigned char>(kEchoPhrase[0])].set(
      static_cast<unsigned char>(kEchoPhrase[1]));
}

void Redactor::Add(std::string_view secret) {
  if (secret.empty()) return;
  auto add = [this](std::string_view text, Where where) {
    for (const Form& f : forms_) {
      if (f.text == text && f.where == where) return;
    }
    forms_.push_back(Form{std::string(text), where});
  };
  add(secret, secret.size() < 8 ? Where::kWholeWord : Where::kAnywhere);
  std::string_view rest = secret;
  for (int segments = 0; segments < 4; ++segments) {
    size_t n = 0;
    while (n < rest.size() && IsAlnum(rest[n])) ++n;
    if (n == 0 || n > 8 || n >= rest.size() || (rest[n] != '-' && rest[n] != '_')) break;
    rest.remove_prefix(n + 1);
    if (rest.size() < 12) break;
    add(rest, Where::kAnywhere);
  }
  if (secret.size() >= 16) {
    add(secret.substr(secret.size() - 8), Where::kAnywhere);
    add(secret.substr(secret.size() - 4), Where::kAfterMask);
  }
  std::stable_sort(forms_.begin(), forms_.end(),
                   [](const Form& a, const Form& b) { return a.text.size() > b.text.size(); });
  for (const Form& f : forms_) {
    auto first = static_cast<unsigned char>(f.text[0]);
    starts_[first] = true;
    // The second character as it is, or the backslash of its escape.
    if (f.text.size() > 1) {
      seconds_[first].set(static_cast<unsigned char>(f.text[1]));
      seconds_[first].set('\\');
    } else {
      seconds_[first].set();  // a one-byte form: what follows is only its word boundary
    }
  }
}

std::string Redactor::Redact(std::string_view text) const {
  std::string out;
  out.reserve(text.size());
  Scan(text, '\0', true, &out);
  return out;
}

Redactor::Match Redactor::MatchAt(std::string_view text, size_t i, char before, bool final,
                                  const Form& f, size_t* len) const {
  const Match ran_out = final ? Match::kNo : Match::kPartial;
  char left = i > 0 ? text[i - 1] : before;
  if (f.where == Where::kWholeWord && IsAlnum(left)) return Match::kNo;
  if (f.where == Where::kAfterMask && !IsMask(left)) return Match::kNo;
  size_t p = i;
  const size_t n = text.size();
  for (char c : f.text) {
    if (p >= n) return ran_out;
    if (text[p] == c) {
      ++p;
      continue;
    }
    if (text[p] != '\\') return Match::kNo;
    // A JSON escape of `c`: \u00XX (either case), or \/ \" \\ for the three that have one.
    if (p + 1 >= n) return ran_out;
    if (text[p + 1] == 'u') {
      int value = 0;
      for (size_t k = 0; k < 4; ++k) {
        if (p + 2 + k >= n) return ran_out;
        int h = HexValue(text[p + 2 + k]);
        if (h < 0) return Match::kNo;
        value = value * 16 + h;
      }
      if (value != static_cast<unsigned char>(c)) return Match::kNo;
      p += 6;
    } else if (text[p + 1] == c && (c == '/' || c == '"' || c == '\\')) {
      p += 2;
    } else {
      return Match::kNo;
    }
  }
  if (f.where != Where::kAnywhere) {
    if (p >= n && !final) return Match::kPartial;  // the next byte decides
    if (p < n && IsAlnum(text[p])) return Match::kNo;
  }
  *len = p - i;
  return Match::kYes;
}

Redactor::Match Redactor::MatchEcho(std::string_view text, size_t i, bool final, size_t* phrase,
                                    size_t* token) const {
  const Match ran_out = final ? Match::kNo : Match::kPartial;
  std::string_view at = text.substr(i);
  if (at.size() < kEchoPhrase.size()) {
    return kEchoPhrase.substr(0, at.size()) == at ? ran_out : Match::kNo;
  }
  if (at.substr(0, kEchoPhrase.size()) != kEchoPhrase) return Match::kNo;
  size_t start = kEchoPhrase.size();
  size_t end = start;
  while (end < at.size() && end - start < kMaxEchoToken && !EndsEchoToken(at[end])) ++end;
  if (end == at.size() && end - start < kMaxEchoToken && !final) return Match::kPartial;
  if (end > start && at[end - 1] == '.') --end;  // the sentence's full stop stays
  if (end == start) return Match::kNo;
  *phrase = start;
  *token = end - start;
  return Match::kYes;
}

size_t Redactor::Next(std::string_view text, size_t from, char before, bool final, Hit* hit) const {
  for (size_t i = from; i < text.size(); ++i) {
    auto b = static_cast<unsigned char>(text[i]);
    if (!starts_[b]) continue;
    if (i + 1 < text.size() && !seconds_[b].test(static_cast<unsigned char>(text[i + 1]))) continue;
    *hit = Hit{};
    size_t phrase = 0, token = 0;
    Match m = MatchEcho(text, i, final, &phrase, &token);
    if (m == Match::kYes) {
      hit->skip = phrase;
      hit->cover = token;
    }
    hit->partial = m == Match::kPartial;
    for (const Form& f : forms_) {
      size_t len = 0;
      Match fm = MatchAt(text, i, before, final, f, &len);
      if (fm == Match::kPartial) hit->partial = true;
      if (fm == Match::kYes && hit->cover == 0) hit->cover = len;
    }
    if (hit->partial || hit->cover > 0) return i;
  }
  return std::string_view::npos;
}

size_t Redactor::Scan(std::string_view text, char before, bool final, std::string* out) const {
  size_t emitted = 0;
  Hit hit;
  for (size_t at; (at = Next(text, emitted, before, final, &hit)) != std::string_view::npos;) {
    if (hit.partial) {
      out->append(text.substr(emitted, at - emitted));
      return at;  // kept back: the next piece decides
    }
    out->append(text.substr(emitted, at + hit.skip - emitted));
    out->append(kMark);
    emitted = at + hit.skip + hit.cover;
  }
  out->append(text.substr(emitted));
  return text.size();
}

bool Redactor::RedactInPlace(std::string* text) const {
  Hit hit;
  if (Next(*text, 0, '\0', true, &hit) == std::string_view::npos) return false;
  *text = Redact(*text);
  return true;
}

void Redactor::Stream::Feed(std::string_view piece, std::string* out) {
  if (carry_.empty()) {
    size_t used = redactor_->Scan(piece, before_, false, out);
    if (used > 0) before_ = piece[used - 1];
    carry_.assign(piece.substr(used));
    return;
  }
  carry_.append(piece);
  size_t used = redactor_->Scan(carry_, before_, false, out);
  if (used > 0) before_ = carry_[used - 1];
  carry_.erase(0, used);
}

void Redactor::Stream::Finish(std::string* out) {
  redactor_->Scan(carry_, before_, true, out);
  carry_.clear();
}

}  // namespace switchyard
