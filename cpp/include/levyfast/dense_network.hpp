// A chain of dense float32 layers, y = act(x W + b), evaluated for one input vector: the
// network of a compact calibrator graph (python/levyfast/_compact_graph.py recognises it in
// the ONNX graph and hands over its weights). ONNX Runtime spends ~0.7 us per node on a
// single input; the arithmetic of a 296-128-128-128-4 network is ~1 us with AVX2.
#pragma once

#include <cstddef>
#include <vector>

namespace levyfast {

// The layer activations of the graphs: identity, the logistic sigma(z) = 1 / (1 + e^{-z}),
// and SiLU (swish) z sigma(z) (Ramachandran, Zoph & Le 2017; the ONNX spelling Sigmoid + Mul).
enum class Activation : int { Identity = 0, Sigmoid = 1, SiLU = 2 };

struct DenseLayer {
  std::size_t n_in = 0, n_out = 0;
  std::vector<float> weight;  // [n_in, n_out] row-major (ONNX Gemm's B without transB)
  std::vector<float> bias;    // [n_out]
  Activation activation = Activation::Identity;
};

// Output columns accumulated together in registers (64 floats: 8 AVX2, 4 AVX-512 registers,
// enough independent multiply-add chains to cover the FMA latency); the columns past the last
// whole block (the narrow output layers) are dot products over a transposed copy.
inline constexpr std::size_t kDenseColumnBlock = 64;

class DenseNetwork {
 public:
  // Throws invalid_argument unless the layers chain (each n_in the previous n_out) and every
  // weight and bias has its layer's size.
  explicit DenseNetwork(std::vector<DenseLayer> layers);

  std::size_t n_inputs() const { return layers_.front().n_in; }
  std::size_t n_outputs() const { return layers_.back().n_out; }

  // out[0 .. n_outputs) from x[0 .. n_inputs); callable from several threads at once (its
  // scratch is per thread).
  void operator()(const float* x, float* out) const;

 private:
  std::vector<DenseLayer> layers_;
  std::vector<std::vector<float>> tails_;  // per layer: W[:, tail columns] transposed
  std::size_t max_width_ = 0;
};

}  // namespace levyfast
