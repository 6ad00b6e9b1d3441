#pragma once
// Axis maxima rounded to 1, 2, 2.5 or 5 × 10^n, so axes do not jitter with every frame.
#include <cmath>

inline double niceCeil(double v) {
    if (!(v > 0)) return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(v)));
    for (const double step : {1.0, 2.0, 2.5, 5.0})
        if (v <= step * magnitude) return step * magnitude;
    return 10 * magnitude;
}
