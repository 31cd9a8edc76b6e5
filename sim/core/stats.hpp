#pragma once
// Confidence intervals for the results tiersim reports: Wilson's score interval for a share of
// successes (accuracy over distinct samples) and Student's t interval for the mean of
// replications (a sweep's seeds). The quantiles come from Boost.Math.
#include <cstdint>
#include <vector>

namespace tiersim {

struct Interval {
  double low = 0, high = 0;
};

// Wilson score interval (Wilson, JASA 1927; Brown, Cai & DasGupta, Statistical Science 2001,
// eq. 4) at `confidence` for `successes` out of `trials`; [0, 1] when trials == 0.
Interval wilson_interval(std::uint64_t successes, std::uint64_t trials, double confidence = 0.95);

struct MeanInterval {
  double mean = 0;
  double half_width = 0;  // t_{(1+confidence)/2, n-1} * s / sqrt(n); 0 for a single value
  std::size_t n = 0;
};

// Mean of `values` and the half width of Student's t interval at `confidence` (sample standard
// deviation, n - 1 degrees of freedom). A single value gets half width 0: there is no spread to
// estimate, and a reader sees replicas = 1 beside it.
MeanInterval mean_interval(const std::vector<double>& values, double confidence = 0.95);

}  // namespace tiersim
