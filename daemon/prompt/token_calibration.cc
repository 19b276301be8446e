#include "prompt/token_calibration.h"

#include <algorithm>
#include <cmath>

namespace switchyard {
namespace {

// Weight of each new report: about the last twenty answers count. Enough to follow a model
// whose tokenizer differs from the estimate, not so much that one odd prompt swings it.
constexpr double kAlpha = 0.05;
// A report outside these bounds is a different kind of prompt (images, tools), not a
// tokenizer difference; it is clamped so it cannot make the estimate absurd.
constexpr double kMinRatio = 0.25;
constexpr double kMaxRatio = 4.0;

double Clamp(double r) { return std::clamp(r, kMinRatio, kMaxRatio); }

}  // namespace

double TokenCalibration::Ratio(const std::string& model) const {
  auto it = ratio_.find(model);
  return it == ratio_.end() ? 1.0 : it->second;
}

void TokenCalibration::Observe(const std::string& model, int64_t estimated, int64_t actual) {
  if (estimated <= 0 || actual <= 0) return;
  double r = Clamp(static_cast<double>(actual) / static_cast<double>(estimated));
  auto [it, fresh] = ratio_.emplace(model, r);
  if (!fresh) it->second = Clamp(it->second + kAlpha * (r - it->second));
}

void TokenCalibration::Restore(const std::string& model, int64_t estimated_sum,
                               int64_t actual_sum) {
  if (estimated_sum <= 0 || actual_sum <= 0) return;
  ratio_[model] = Clamp(static_cast<double>(actual_sum) / static_cast<double>(estimated_sum));
}

int64_t TokenCalibration::Scale(const std::string& model, int64_t raw) const {
  return static_cast<int64_t>(std::ceil(static_cast<double>(raw) * Ratio(model)));
}

}  // namespace switchyard
