#include "answer/ecma_pattern.h"

#include <cstdio>

namespace switchyard {
namespace {

// ECMA 262's WhiteSpace and LineTerminator, what its \s matches; RE2's \s lacks \v and the
// Unicode spaces.
constexpr std::string_view kSpace =
    "\\t\\n\\v\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}"
    "\\x{3000}\\x{feff}";
// Every code point: what [^] matches, and what [] leaves out.
constexpr std::string_view kAny = "\\x{0}-\\x{10ffff}";

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The value of the `n` hex digits at `at`, if there are that many.
std::optional<unsigned> HexRun(std::string_view p, size_t at, size_t n) {
  if (at + n > p.size()) return std::nullopt;
  unsigned v = 0;
  for (size_t i = at; i < at + n; ++i) {
    char c = p[i];
    if (!IsHex(c)) return std::nullopt;
    v = v * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return v;
}

std::string CodePoint(unsigned cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\x{%x}", cp);
  return buf;
}

class Translator {
 public:
  explicit Translator(std::string_view p) : p_(p) {}

  std::optional<std::string> Run() {
    while (at_ < p_.size()) {
      char c = p_[at_++];
      bool ok = c == '\\' ? Escape() : in_class_ ? ClassChar(c) : Char(c);
      if (!ok) return std::nullopt;
    }
    if (in_class_) return std::nullopt;
    return out_;
  }

 private:
  bool Ahead(std::string_view s) const { return p_.substr(at_).starts_with(s); }

  bool Char(char c) {
    switch (c) {
      case '.':
        out_ += "[^\\n\\r\\x{2028}\\x{2029}]";
        return true;
      case '[':
        // [] is a class of nothing, [^] of everything; RE2 would read the ']' as a member.
        if (Ahead("]")) {
          ++at_;
          out_ += "[^" + std::string(kAny) + "]";
        } else if (Ahead("^]")) {
          at_ += 2;
          out_ += "[" + std::string(kAny) + "]";
        } else {
          in_class_ = true;
          out_ += '[';
          if (Ahead("^")) {
            ++at_;
            out_ += '^';
          }
        }
        return true;
      case '(':
        return Group();
      case '{':
        return Braces();
      case '\0':
        out_ += CodePoint(0);
        return true;
      default:
        out_ += c;
        return true;
    }
  }

  bool ClassChar(char c) {
    if (c == ']') {
      in_class_ = false;
    } else if (c == '[') {
      out_ += '\\';  // RE2 would begin a POSIX class at "[:"
    } else if (c == '\0') {
      out_ += CodePoint(0);
      return true;
    }
    out_ += c;
    return true;
  }

  // {n}, {n,} or {n,m}, its numbers without leading zeros (RE2 reads "{01}" as text); any
  // other '{' is itself, as ECMA 262 reads it. A count of five digits or more is refused
  // here: RE2 reads one past an int as text too (and refuses one past 1,000 itself).
  bool Braces() {
    size_t at = at_;
    auto number = [&]() {
      size_t from = at;
      while (at < p_.size() && p_[at] >= '0' && p_[at] <= '9') ++at;
      std::string_view n = p_.substr(from, at - from);
      while (n.size() > 1 && n[0] == '0') n.remove_prefix(1);
      return std::string(n);
    };
    std::string n = number(), m;
    bool comma = at < p_.size() && p_[at] == ',';
    if (comma) {
      ++at;
      m = number();
    }
    if (n.empty() || at >= p_.size() || p_[at] != '}') {
      out_ += "\\{";
      return true;
    }
    if (n.size() > 4 || m.size() > 4) return false;
    at_ = at + 1;
    out_ += "{" + n + (comma ? "," + m : "") + "}";
    return true;
  }

  // (?:...) and (?<name>...) are ECMA 262's; any other "(?" is lookaround, or not ECMA at all.
  bool Group() {
    if (!Ahead("?")) {
      out_ += '(';
      return true;
    }
    if (Ahead("?:")) {
      at_ += 2;
      out_ += "(?:";
      return true;
    }
    if (Ahead("?<") && !Ahead("?<=") && !Ahead("?<!")) {
      at_ += 2;
      out_ += "(?P<";
      return true;
    }
    return false;
  }

  bool Escape() {
    if (at_ >= p_.size()) return false;
    char e = p_[at_++];
    switch (e) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
        out_ += '\\';
        out_ += e;
        return true;
      case 'b':
        out_ += in_class_ ? CodePoint(8) : "\\b";  // backspace in a class
        return true;
      case 'B':
        out_ += in_class_ ? "B" : "\\B";
        return true;
      case 's':
        out_ += in_class_ ? std::string(kSpace) : "[" + std::string(kSpace) + "]";
        return true;
      case 'S':
        if (in_class_) return false;  // a class cannot hold a complement in RE2
        out_ += "[^" + std::string(kSpace) + "]";
        return true;
      case 'c':
        // Without a letter, a syntax error but in web browsers' annex B.
        if (at_ >= p_.size() || !IsAsciiLetter(p_[at_])) return false;
        out_ += CodePoint(static_cast<unsigned char>(p_[at_++]) % 32);
        return true;
      case 'x':
        if (auto cp = HexRun(p_, at_, 2)) {
          out_ += CodePoint(*cp);
          at_ += 2;
        } else {
          out_ += 'x';
        }
        return true;
      case 'u':
        if (auto cp = HexRun(p_, at_, 4)) {
          out_ += CodePoint(*cp);
          at_ += 4;
        } else if (Ahead("{")) {
          return false;  // the unicode flag's form; without it, a syntax error
        } else {
          out_ += 'u';
        }
        return true;
      case '0':
        if (at_ < p_.size() && p_[at_] >= '0' && p_[at_] <= '9') return false;  // octal
        out_ += CodePoint(0);
        return true;
      case 'k':
        return false;  // a named backreference
      default:
        if (e >= '1' && e <= '9') return false;  // a backreference
        if (static_cast<unsigned char>(e) < 0x20) {
          out_ += CodePoint(static_cast<unsigned char>(e));
        } else {
          // Punctuation stays escaped. A letter with no meaning in ECMA 262 is the letter, and
          // past ASCII the first byte of a character that means itself (the rest follow).
          if (!IsAsciiLetter(e) && static_cast<unsigned char>(e) < 0x80) out_ += '\\';
          out_ += e;
        }
        return true;
    }
  }

  std::string_view p_;
  size_t at_ = 0;
  bool in_class_ = false;
  std::string out_;
};

}  // namespace

std::optional<std::string> Re2Syntax(std::string_view ecma) { return Translator(ecma).Run(); }

std::unique_ptr<RE2> CompileEcmaPattern(std::string_view ecma) {
  std::optional<std::string> re2 = Re2Syntax(ecma);
  if (!re2) return nullptr;
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(1 << 20);
  auto compiled = std::make_unique<RE2>(*re2, options);
  if (!compiled->ok()) return nullptr;
  return compiled;
}

}  // namespace switchyard
