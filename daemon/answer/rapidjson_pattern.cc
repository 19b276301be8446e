#include "answer/rapidjson_pattern.h"

#include <cctype>
#include <cstdint>
#include <vector>

#include "base/utf8.h"

namespace switchyard {
namespace {

// The escapes rapidjson/internal/regex.h's CharacterEscape knows; any other it refuses.
bool EngineEscape(char c) {
  return std::string_view("^$|()?*+.[]{}\\fnrtv").find(c) != std::string_view::npos;
}

// Bytes of the UTF-8 character that `lead` begins (the pattern is known to be valid UTF-8).
size_t CharBytes(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  return lead < 0xF0 ? 3 : 4;
}

// Follows GenericRegex::Parse token by token, counting the states it would build, and stops
// at the first thing outside the subset. The counts follow its construction: one state per
// atom, per quantifier and per alternative joined; a count {n,m} clones its operand's states.
class PatternReader {
 public:
  // `exact`: only what the engine reads as ECMA 262 means it. Otherwise only what it compiles
  // safely, whatever it makes of it.
  PatternReader(std::string_view p, bool exact) : p_(p), exact_(exact) {}

  bool Read() {
    while (at_ < p_.size()) {
      char c = p_[at_++];
      bool ok = true;
      switch (c) {
        case '^':
          ok = Caret();
          break;
        case '$':
          ok = Dollar();
          break;
        case '|':
          ok = Bar();
          break;
        case '(':
          levels_.push_back({states_});
          break;
        case ')':
          ok = CloseGroup();
          break;
        case '?':
        case '*':
          ok = Quantify(true) && AddStates(1);
          break;
        case '+':
          ok = Quantify(false) && AddStates(1);
          break;
        case '{':
          ok = Count();
          break;
        case '[':
          ok = Class() && Atom(false, states_) && AddStates(1);
          break;
        case '\\':
          ok = at_ < p_.size() && EngineEscape(p_[at_++]) && Atom(false, states_) && AddStates(1);
          break;
        default:
          at_ += CharBytes(static_cast<unsigned char>(c)) - 1;
          ok = Atom(false, states_) && AddStates(1);
      }
      if (!ok) return false;
    }
    // An open group, an empty pattern or last alternative, or anchors on some alternatives
    // only (the engine anchors the whole pattern at any `^` or `$`).
    if (levels_.size() != 1 || atoms() == 0 || !levels_.back().EndAlternative(exact_)) {
      return false;
    }
    EndTopAlternative();
    bool all_begin = begins_ == alternatives_, all_end = ends_ == alternatives_;
    if ((begins_ != 0 && !all_begin) || (ends_ != 0 && !all_end)) return false;
    matches_everything_ = levels_.back().Nullable() && !(all_begin && all_end);
    return true;
  }

  // Read, the pattern can match nothing and is anchored at no more than one end: ECMA 262
  // finds it in every string. The engine would not, as it forgets a match of nothing once it
  // has read a character.
  bool matches_everything() const { return matches_everything_; }

 private:
  // A group being read (the pattern itself at the bottom), and whether what it has read so
  // far can match nothing: its alternatives before, and its current one's atoms.
  struct Level {
    size_t first_state;          // where the group's states begin
    size_t atoms = 0;            // in its current alternative
    bool before_last = true;     // every atom before the current alternative's last can
    bool last_nullable = false;  // its last atom can
    bool last_quantified = false;
    size_t nullable_alternatives = 0;  // of those ended
    bool done_nullable() const { return nullable_alternatives > 0; }
    bool Current() const { return before_last && (atoms == 0 || last_nullable); }
    bool Nullable() const { return done_nullable() || Current(); }
    // The engine follows every path of empty steps from a state, with no mark of where it has
    // been. Two alternatives that can match nothing make two such paths, and a run of them
    // doubles the count each time.
    bool EndAlternative(bool exact) {
      nullable_alternatives += Current();
      return !exact || nullable_alternatives <= 1;
    }
  };

  size_t& atoms() { return levels_.back().atoms; }

  bool AddStates(size_t n) {
    states_ += n;
    return states_ <= kMaxPatternStates;
  }

  // An operand that begins at `first_state`: a character, a class or a group.
  bool Atom(bool nullable, size_t first_state) {
    Level& l = levels_.back();
    if (l.atoms > 0) l.before_last = l.before_last && l.last_nullable;
    l.last_nullable = nullable;
    l.last_quantified = false;
    ++l.atoms;
    last_first_state_ = first_state;
    return true;
  }

  // Only where it anchors a whole top-level alternative: at its start, and `$` at its end.
  bool Caret() {
    if (!exact_) return true;
    if (levels_.size() != 1 || atoms() != 0 || begun_) return false;
    begun_ = true;
    return true;
  }

  bool Dollar() {
    if (!exact_) return true;
    if (levels_.size() != 1 || atoms() == 0) return false;
    if (at_ < p_.size() && p_[at_] != '|') return false;
    ended_ = true;
    return true;
  }

  void EndTopAlternative() {
    ++alternatives_;
    begins_ += begun_;
    ends_ += ended_;
    begun_ = ended_ = false;
  }

  // An empty alternative makes the engine join the one before with an operand outside it.
  bool Bar() {
    Level& l = levels_.back();
    if (l.atoms == 0) return false;
    if (levels_.size() == 1) EndTopAlternative();
    if (!l.EndAlternative(exact_)) return false;
    l.atoms = 0;
    l.before_last = true;
    return AddStates(1);
  }

  // An empty group pushes no operand but counts as one: the engine's concatenation then pops
  // one it does not have.
  bool CloseGroup() {
    if (levels_.size() == 1 || atoms() == 0) return false;
    Level group = levels_.back();
    if (!group.EndAlternative(exact_)) return false;
    levels_.pop_back();
    return Atom(group.Nullable(), group.first_state);
  }

  bool Number(uint64_t* n) {
    if (at_ >= p_.size() || !std::isdigit(static_cast<unsigned char>(p_[at_]))) return false;
    *n = 0;
    while (at_ < p_.size() && std::isdigit(static_cast<unsigned char>(p_[at_]))) {
      *n = *n * 10 + static_cast<uint64_t>(p_[at_++] - '0');
      // Past the cap, every clone would add at least a state.
      if (*n > kMaxPatternStates) return false;
    }
    return true;
  }

  // A quantifier takes the last atom, once: a second is ECMA 262's lazy form (`a+?` must
  // match something; the engine would read it `(a+)?`). Nor may it take an atom that can match
  // nothing: the engine's loop over it (`(a?)*`) is a cycle of empty steps it never leaves,
  // and its option (`(a?)?`) a second path of them.
  bool Quantify(bool to_nullable) {
    Level& l = levels_.back();
    if (l.atoms == 0 || (exact_ && (l.last_quantified || l.last_nullable))) return false;
    l.last_quantified = true;
    l.last_nullable = to_nullable;
    return true;
  }

  // {n}, {n,} or {n,m} after an atom, with the clones EvalQuantifier makes of it.
  bool Count() {
    uint64_t n = 0, m = 0;
    bool unbounded = false;
    if (!Number(&n)) return false;
    if (at_ < p_.size() && p_[at_] == ',') {
      ++at_;
      if (at_ < p_.size() && p_[at_] == '}') {
        unbounded = true;
      } else if (!Number(&m) || m < n) {
        return false;
      }
    } else {
      m = n;
    }
    if (at_ >= p_.size() || p_[at_++] != '}') return false;
    if (n == 0 && m == 0 && !unbounded) return false;  // the engine refuses a{0}
    if (!Quantify(n == 0)) return false;
    size_t operand = states_ - last_first_state_;
    auto clones = [&](uint64_t k, size_t each) {
      for (uint64_t i = 0; i < k; ++i) {
        if (!AddStates(each)) return false;
      }
      return true;
    };
    if (n == 0) {
      if (unbounded) return AddStates(1);                 // a*
      return AddStates(1) && clones(m - 1, operand + 1);  // a?a?a?
    }
    if (!clones(n - 1, operand)) return false;  // aaa
    if (unbounded) return AddStates(1);         // aaa+
    if (m == n) return true;
    return clones(1, operand) && AddStates(1) && clones(m - n - 1, operand + 1);  // aaaa?a?
  }

  // [...] or [^...]: at least one member; escapes as the engine knows them, and \b.
  bool Class() {
    if (at_ < p_.size() && p_[at_] == '^') ++at_;
    bool any = false;
    while (at_ < p_.size()) {
      char c = p_[at_++];
      if (c == ']') return any;
      if (c == '\\') {
        if (at_ >= p_.size() || (p_[at_] != 'b' && !EngineEscape(p_[at_]))) return false;
        ++at_;
      } else {
        at_ += CharBytes(static_cast<unsigned char>(c)) - 1;
      }
      any = true;
    }
    return false;
  }

  std::string_view p_;
  bool exact_;
  size_t at_ = 0;
  size_t states_ = 0;
  size_t last_first_state_ = 0;  // where the operand a quantifier would take begins
  std::vector<Level> levels_{{0}};
  size_t alternatives_ = 0, begins_ = 0, ends_ = 0;
  bool begun_ = false, ended_ = false;
  bool matches_everything_ = false;
};

// The pattern with what the engine lacks spelt in what it has.
std::string PortablePattern(std::string_view p) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char e = p[i + 1];
      const char* cls = nullptr;
      switch (e) {
        case 'd':
          cls = "0-9";
          break;
        case 'w':
          cls = "A-Za-z0-9_";
          break;
        case 's':
          cls = " \\t\\n\\r\\f\\v";
          break;
      }
      if (cls) {
        out += in_class ? std::string(cls) : "[" + std::string(cls) + "]";
      } else if (std::ispunct(static_cast<unsigned char>(e)) && !EngineEscape(e) &&
                 !(in_class && e == '-')) {
        // ECMA 262's identity escape; in a class, `\-` has no plain spelling in the engine.
        out.push_back(e);
      } else {
        out.append(p.substr(i, 2));
      }
      ++i;
      continue;
    }
    if (c == '[') in_class = true;
    if (c == ']') in_class = false;
    out.push_back(c);
  }
  return out;
}

// The engine reads a C string, as UTF-8: it stops at a NUL or at the first bad byte.
bool WholeCString(std::string_view p) {
  return p.find('\0') == std::string_view::npos && IsValidUtf8(p);
}

}  // namespace

std::optional<std::string> EnginePattern(std::string_view pattern) {
  std::string p = PortablePattern(pattern);
  if (!WholeCString(p)) return std::nullopt;
  PatternReader reader(p, /*exact=*/true);
  if (!reader.Read()) return std::nullopt;
  if (reader.matches_everything()) return ".*";
  return p;
}

bool EngineCompilesSafely(std::string_view pattern) {
  return WholeCString(pattern) && PatternReader(pattern, /*exact=*/false).Read();
}

}  // namespace switchyard
