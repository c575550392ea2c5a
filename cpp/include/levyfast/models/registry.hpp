// The built-in models and the one dispatch on ModelId. Adding a model: its traits header
// (models/<name>.hpp, see models/base.hpp), its ModelId, and one entry in BuiltinModels.
#pragma once

#include <cstddef>
#include <tuple>
#include <utility>

#include "levyfast/models/black_scholes.hpp"
#include "levyfast/models/cgmy.hpp"
#include "levyfast/models/kou.hpp"
#include "levyfast/models/meixner.hpp"
#include "levyfast/models/merton.hpp"
#include "levyfast/models/nig.hpp"
#include "levyfast/models/variance_gamma.hpp"

namespace levyfast {

// In ModelId order.
using BuiltinModels = std::tuple<models::BlackScholes, models::VarianceGamma, models::CGMY,
                                 models::NIG, models::Merton, models::Kou, models::Meixner>;
inline constexpr int kModelCount = static_cast<int>(std::tuple_size_v<BuiltinModels>);

namespace detail {
template <std::size_t I, class F>
decltype(auto) visit_from(ModelId id, F&& f) {
  using M = std::tuple_element_t<I, BuiltinModels>;
  static_assert(static_cast<std::size_t>(M::kId) == I, "BuiltinModels must be in ModelId order");
  static_assert(M::kNumParams <= kMaxParams, "raise kMaxParams");
  if constexpr (I + 1 < std::tuple_size_v<BuiltinModels>) {
    if (id != M::kId) return visit_from<I + 1>(id, std::forward<F>(f));
  }
  return std::forward<F>(f)(M{});
}
}  // namespace detail

// f(M{}) for the traits M of model `id` (make_model has checked that id is in the list). Visit
// once outside a loop, so that the loop runs the concrete model's inlined functions.
template <class F>
decltype(auto) visit(ModelId id, F&& f) {
  return detail::visit_from<0>(id, std::forward<F>(f));
}

}  // namespace levyfast
