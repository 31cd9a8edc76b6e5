#pragma once
// One device's radio over a run: turns its transfers, given in time order, into energies and
// says which request each one is charged to. Both engines drive one ledger per device, so they
// charge the same joules for the same transfers. The rules (README.md here):
//  * a transfer that starts while the radio is idle pays the promotion; one that starts while
//    another transfer is active or during a tail pays none;
//  * a transfer pays its own power (tx_w/rx_w per second, alpha x megabits) and its share of the
//    base power: at each instant the active transfers share active_base_w equally;
//  * when the last active transfer ends, the tail that follows is charged to that transfer's
//    request, truncated by the next transfer's start (then that request pays no promotion).
#include <cstdint>
#include <optional>

#include "model/radio/radio.hpp"

namespace tiersim {

class RadioLedger {
 public:
  struct Tail {
    std::uint64_t owner;  // the request charged
    double joules;
  };

  explicit RadioLedger(const RadioProfile* profile = nullptr) : profile_(profile) {}
  const RadioProfile& profile() const { return *profile_; }

  // A transfer starts at t. Returns its promotion energy (0 unless the radio was idle); a tail
  // this start ends is returned in `ended` (its owner is charged for the part before t). The
  // transfer keeps `token` for end().
  double start(double t, std::optional<Tail>& ended, double& token) {
    ended.reset();
    advance(t);
    double promotion = 0;
    if (active_ == 0) {
      const double tail_s = profile_->tail_s();
      if (tail_open_) {
        const double gap = t - tail_from_;
        const bool within = gap < tail_s;
        const double spent = within ? gap : tail_s;
        ended = Tail{tail_owner_, profile_->tail_j(spent)};
        up_s_ += spent;
        tail_open_ = false;
        if (!within) promotion = profile_->promotion_j();
      } else {
        promotion = profile_->promotion_j();
      }
    }
    ++active_;
    token = shared_s_;
    return promotion;
  }

  // The transfer that started with `token` ends at t after `seconds`, having moved `bytes` up
  // (to a server) or down. Returns its energy; when it was the last one active, the tail that
  // follows is `request`'s.
  double end(double t, double token, std::uint64_t request, double bytes, bool up, double seconds) {
    advance(t);
    const double joules = profile_->transfer_j(bytes, up, seconds) + profile_->active_base_w * (shared_s_ - token);
    if (--active_ == 0) {
      shared_s_ = 0;  // every token is spent: restart the clock (keeps later shares exact)
      if (profile_->tail_s() > 0) {
        tail_open_ = true;
        tail_owner_ = request;
        tail_from_ = t;
      }
    }
    return joules;
  }

  // At the end of the run: the open tail, in full (nothing truncates it).
  std::optional<Tail> close() {
    if (!tail_open_) return std::nullopt;
    tail_open_ = false;
    up_s_ += profile_->tail_s();
    return Tail{tail_owner_, profile_->tail_j(profile_->tail_s())};
  }

  // The request the open tail is charged to, if a tail is open.
  std::optional<std::uint64_t> tail_owner() const { return tail_open_ ? std::optional(tail_owner_) : std::nullopt; }
  // Time the radio was not idle: transfers active, tails (closed ones).
  double up_seconds() const { return up_s_; }

 private:
  // Moves the clocks to t: active time, and each active transfer's share of it.
  void advance(double t) {
    if (active_ > 0) {
      up_s_ += t - last_;
      shared_s_ += (t - last_) / active_;
    }
    last_ = t;
  }

  const RadioProfile* profile_;
  int active_ = 0;         // transfers active now
  double last_ = 0;        // instant of the last start or end
  double shared_s_ = 0;    // seconds of base power per active transfer since the radio last became active
  bool tail_open_ = false;
  std::uint64_t tail_owner_ = 0;
  double tail_from_ = 0;
  double up_s_ = 0;
};

}  // namespace tiersim
