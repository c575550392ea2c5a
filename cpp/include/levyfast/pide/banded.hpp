// LU factorisation without pivoting of an n x n band matrix with p sub- and p super-diagonals,
// O(n p^2) to factor and O(n p) per solve. The PIDE's implicit matrices I - c dt A are
// diagonally dominant (the reaction rate r + lambda_h bounds the off-diagonal jump weights), so
// no pivoting is needed.
#pragma once

#include <cstddef>
#include <vector>

namespace levyfast::pide {

class BandedLU {
 public:
  BandedLU() = default;
  BandedLU(std::size_t n, int p) : n_(n), p_(p), a_(n * static_cast<std::size_t>(2 * p + 1), 0.0) {}

  std::size_t size() const { return n_; }
  int bandwidth() const { return p_; }
  // Entry (i, i + k), |k| <= p, before factorisation.
  double& at(std::size_t i, int k) { return a_[i * width() + static_cast<std::size_t>(k + p_)]; }
  void factor();
  // Overwrites b with the solution of the factored system.
  void solve(double* b) const;

 private:
  std::size_t width() const { return static_cast<std::size_t>(2 * p_ + 1); }
  double lu(std::size_t i, std::size_t col) const {
    return a_[i * width() + (col + static_cast<std::size_t>(p_) - i)];
  }
  std::size_t n_ = 0;
  int p_ = 0;
  std::vector<double> a_;
};

}  // namespace levyfast::pide
