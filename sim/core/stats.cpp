#include "core/stats.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tiersim {

Interval wilson_interval(std::uint64_t successes, std::uint64_t trials, double confidence) {
  if (successes > trials) throw std::logic_error("wilson_interval: more successes than trials");
  if (trials == 0) return {0.0, 1.0};
  const double z = boost::math::quantile(boost::math::normal(), 0.5 + confidence / 2);
  const double n = static_cast<double>(trials), p = static_cast<double>(successes) / n, z2 = z * z;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  // The closed form gives exactly 0 and 1 at the ends only up to rounding.
  return {successes == 0 ? 0.0 : std::max(0.0, centre - half), successes == trials ? 1.0 : std::min(1.0, centre + half)};
}

MeanInterval mean_interval(const std::vector<double>& values, double confidence) {
  MeanInterval r;
  r.n = values.size();
  if (values.empty()) return r;
  double sum = 0;
  for (double v : values) sum += v;
  r.mean = sum / static_cast<double>(r.n);
  // Identical replicas (a metric the seed does not touch) have no spread: exactly that value,
  // not one that rounding in the sum moved by 1e-17.
  if (std::all_of(values.begin(), values.end(), [&](double v) { return v == values.front(); })) {
    r.mean = values.front();
    return r;
  }
  double squares = 0;
  for (double v : values) squares += (v - r.mean) * (v - r.mean);
  const double sd = std::sqrt(squares / static_cast<double>(r.n - 1));
  const double t = boost::math::quantile(boost::math::students_t(static_cast<double>(r.n - 1)), 0.5 + confidence / 2);
  r.half_width = t * sd / std::sqrt(static_cast<double>(r.n));
  return r;
}

}  // namespace tiersim
