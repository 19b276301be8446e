// Prometheus' text exposition format (version 0.0.4): a family's HELP and TYPE lines, then
// its samples, label values escaped. Pure.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard {

using MetricLabels = std::vector<std::pair<std::string_view, std::string_view>>;

class PromText {
 public:
  // `type`: counter, gauge or histogram.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  void Sample(std::string_view name, const MetricLabels& labels, double value);
  const std::string& text() const { return out_; }
  // A value as the format writes it: integers without a fraction, else shortest exact.
  static std::string Number(double v);

 private:
  std::string out_;
};

}  // namespace switchyard
