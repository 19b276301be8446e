// How far off the token estimate runs for each model: the ratio of the prompt tokens a
// provider reports to what token_estimate.h guessed, averaged over recent answers. It is
// rebuilt from the history at start, so a restart keeps it. Loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace switchyard {

class TokenCalibration {
 public:
  // The factor to multiply a raw estimate by for `model`; 1 until it has seen an answer.
  double Ratio(const std::string& model) const;
  // A provider reported `actual` prompt tokens for a prompt estimated at `estimated`.
  void Observe(const std::string& model, int64_t estimated, int64_t actual);
  // Seeds `model` from the history: the summed reports and estimates of past answers.
  void Restore(const std::string& model, int64_t estimated_sum, int64_t actual_sum);
  // Calibrated estimate: ceil(raw * ratio).
  int64_t Scale(const std::string& model, int64_t raw) const;

 private:
  std::map<std::string, double> ratio_;
};

}  // namespace switchyard
