// Reading one TOML table of the config (config/config.cc's helper): every key read is
// remembered, so that a key nobody asked for (a typo) is an error, and every problem reads
// "source:line: key: what".
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/status.h"

namespace switchyard {

class TableReader {
 public:
  TableReader(const std::string& source, const toml::table& table, std::string prefix)
      : source_(source), table_(table), prefix_(std::move(prefix)) {}

  Status Error(const toml::node* node, const std::string& key, const std::string& what) const {
    int64_t line = node ? static_cast<int64_t>(node->source().begin.line)
                        : static_cast<int64_t>(table_.source().begin.line);
    return Status::InvalidArgument(source_ + ":" + std::to_string(line) + ": " + Path(key) + ": " +
                                   what);
  }

  std::string Path(const std::string& key) const {
    return prefix_.empty() ? key : prefix_ + "." + key;
  }

  const toml::node* Get(const std::string& key) {
    seen_.insert(key);
    return table_.get(key);
  }

  Status String(const std::string& key, std::string* out, bool required = false) {
    const toml::node* n = Get(key);
    if (!n) return required ? Error(nullptr, key, "is required") : Status::Ok();
    auto v = n->value<std::string>();
    if (!n->is_string() || !v) return Error(n, key, "must be a string");
    *out = *v;
    return Status::Ok();
  }

  Status Int(const std::string& key, int64_t* out, int64_t min, int64_t max,
             bool required = false) {
    const toml::node* n = Get(key);
    if (!n) return required ? Error(nullptr, key, "is required") : Status::Ok();
    if (!n->is_integer()) return Error(n, key, "must be an integer");
    int64_t v = *n->value<int64_t>();
    if (v < min || v > max) {
      return Error(n, key,
                   "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                       ", got " + std::to_string(v));
    }
    *out = v;
    return Status::Ok();
  }

  Status Double(const std::string& key, double* out, double min, double max,
                bool required = false) {
    const toml::node* n = Get(key);
    if (!n) return required ? Error(nullptr, key, "is required") : Status::Ok();
    if (!n->is_number()) return Error(n, key, "must be a number");
    double v = *n->value<double>();
    if (!(v >= min && v <= max)) {
      std::ostringstream os;
      os << "must be between " << min << " and " << max << ", got " << v;
      return Error(n, key, os.str());
    }
    *out = v;
    return Status::Ok();
  }

  Status IntList(const std::string& key, std::vector<int64_t>* out) {
    const toml::node* n = Get(key);
    if (!n) return Status::Ok();
    if (!n->is_array()) return Error(n, key, "must be an array of integers");
    size_t i = 0;
    for (const toml::node& e : *n->as_array()) {
      if (!e.is_integer() || *e.value<int64_t>() < 0) {
        return Error(&e, key + "[" + std::to_string(i) + "]", "must be a non-negative integer");
      }
      out->push_back(*e.value<int64_t>());
      ++i;
    }
    return Status::Ok();
  }

  Status Bool(const std::string& key, bool* out) {
    const toml::node* n = Get(key);
    if (!n) return Status::Ok();
    if (!n->is_boolean()) return Error(n, key, "must be true or false");
    *out = *n->value<bool>();
    return Status::Ok();
  }

  Status Table(const std::string& key, const toml::table** out, bool required = false) {
    const toml::node* n = Get(key);
    *out = nullptr;
    if (!n) return required ? Error(nullptr, key, "is required") : Status::Ok();
    if (!n->is_table()) return Error(n, key, "must be a table");
    *out = n->as_table();
    return Status::Ok();
  }

  // Called last: any key nobody asked for is an error, so typos do not pass silently.
  Status NoUnknownKeys() const {
    for (auto&& [k, v] : table_) {
      std::string key(k.str());
      if (!seen_.count(key)) return Error(&v, key, "unknown key");
    }
    return Status::Ok();
  }

 private:
  const std::string& source_;
  const toml::table& table_;
  std::string prefix_;
  std::set<std::string> seen_;
};

}  // namespace switchyard
