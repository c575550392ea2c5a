#include "levyfast/dense_network.hpp"

#include "levyfast/common.hpp"
#include "levyfast/fast_math.hpp"
#include "levyfast/isa.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace levyfast {

namespace {

constexpr std::size_t kColumnBlock = kDenseColumnBlock;
constexpr std::size_t kPartialSums = 8;

// y = act(x W + b) for one layer. Blocks of kColumnBlock columns keep their sums in registers
// over the n_in rows of W; each remaining column is a dot product of x with its row of
// `tail` (W's remaining columns transposed) in kPartialSums interleaved sums.
LEVYFAST_INLINE void dense_layer(std::size_t n_in, std::size_t n_out, const float* __restrict x,
                                 const float* __restrict w, const float* __restrict tail,
                                 const float* __restrict b, int activation,
                                 float* __restrict y) {
  std::size_t j0 = 0;
  for (; j0 + kColumnBlock <= n_out; j0 += kColumnBlock) {
    float acc[kColumnBlock];
#pragma GCC unroll 64
    for (std::size_t c = 0; c < kColumnBlock; ++c) acc[c] = b[j0 + c];
    for (std::size_t i = 0; i < n_in; ++i) {
      const float xi = x[i];
      const float* __restrict row = w + i * n_out + j0;
#pragma GCC unroll 64
      for (std::size_t c = 0; c < kColumnBlock; ++c) acc[c] += xi * row[c];
    }
#pragma GCC unroll 64
    for (std::size_t c = 0; c < kColumnBlock; ++c) y[j0 + c] = acc[c];
  }
  for (std::size_t j = j0; j < n_out; ++j) {
    const float* __restrict column = tail + (j - j0) * n_in;
    float part[kPartialSums] = {};
    std::size_t i = 0;
    for (; i + kPartialSums <= n_in; i += kPartialSums) {
#pragma GCC unroll 8
      for (std::size_t c = 0; c < kPartialSums; ++c) part[c] += x[i + c] * column[i + c];
    }
    float acc = b[j];
    for (; i < n_in; ++i) acc += x[i] * column[i];
    for (std::size_t c = 0; c < kPartialSums; ++c) acc += part[c];
    y[j] = acc;
  }
  if (activation == static_cast<int>(Activation::Identity)) return;
  const bool silu = activation == static_cast<int>(Activation::SiLU);
  for (std::size_t j = 0; j < n_out; ++j) {
    // sigma(z) in double by the vectorised exp, its degree-7 polynomial (truncation 5e-9
    // relative, far inside the float32 result); |z| is clamped where sigma is 0 or 1 anyway
    const double z = y[j];
    const double e = fast_math::exp_bounded<7>(std::min(std::max(-z, -700.0), 700.0));
    const double s = 1.0 / (1.0 + e);
    y[j] = static_cast<float>(silu ? z * s : s);
  }
}

}  // namespace

DenseNetwork::DenseNetwork(std::vector<DenseLayer> layers) : layers_(std::move(layers)) {
  LF_REQUIRE(!layers_.empty(), "a dense network needs at least one layer");
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const DenseLayer& layer = layers_[l];
    const std::string at = " (layer " + std::to_string(l) + ")";
    LF_REQUIRE(layer.n_in > 0 && layer.n_out > 0, "layer widths must be positive" + at);
    LF_REQUIRE(l == 0 || layer.n_in == layers_[l - 1].n_out,
               "a layer's inputs must be the previous layer's outputs" + at);
    LF_REQUIRE(layer.weight.size() == layer.n_in * layer.n_out,
               "the weight must have n_in x n_out entries" + at);
    LF_REQUIRE(layer.bias.size() == layer.n_out, "the bias must have n_out entries" + at);
    max_width_ = std::max(max_width_, layer.n_out);
    const std::size_t j0 = layer.n_out / kColumnBlock * kColumnBlock;
    std::vector<float>& tail = tails_.emplace_back((layer.n_out - j0) * layer.n_in);
    for (std::size_t j = j0; j < layer.n_out; ++j)
      for (std::size_t i = 0; i < layer.n_in; ++i)
        tail[(j - j0) * layer.n_in + i] = layer.weight[i * layer.n_out + j];
  }
}

void DenseNetwork::operator()(const float* x, float* out) const {
  thread_local std::vector<float> scratch;  // grows once per thread, no allocation per call
  if (scratch.size() < 2 * max_width_) scratch.resize(2 * max_width_);
  float* buffers[2] = {scratch.data(), scratch.data() + max_width_};
  const float* in = x;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const DenseLayer& layer = layers_[l];
    float* y = l + 1 == layers_.size() ? out : buffers[l % 2];
    dispatch<dense_layer>(layer.n_in, layer.n_out, in, layer.weight.data(), tails_[l].data(),
                          layer.bias.data(), static_cast<int>(layer.activation), y);
    in = y;
  }
}

}  // namespace levyfast
