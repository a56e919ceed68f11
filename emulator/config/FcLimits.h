#pragma once

// FC's limits, the one home of the numbers (fc-semantics §5, §7, §8.2; CONTRACT §4): what a
// configuration may ask for (checked by Validation.cpp) and what one request may carry
// (enforced by the gateway and the runtime), plus fcemu's own for the local-only options.

#include <QtGlobal>

namespace Fcemu::Config {

// A function's configuration.
inline constexpr int kMinMemoryMB = 128;
inline constexpr int kMaxMemoryMB = 32768;
inline constexpr int kMemoryStepMB = 64;
inline constexpr double kMinCpu = 0.05;
inline constexpr double kMaxCpu = 16.0;
inline constexpr int kMaxTimeoutS = 86400;
inline constexpr int kMaxConcurrency = 200;
inline constexpr int kMaxNameLength = 64;
inline constexpr int kMaxServiceNameLength = 128;
// Sum over the user's variables of the UTF-8 bytes of key plus value (no '=' or NUL).
// FC documents "4 KB total" without saying how it counts; this is the count fcemu uses.
inline constexpr int kMaxEnvBytes = 4096;
inline constexpr int kMaxInitializationTimeoutS = 300;
inline constexpr int kMaxHookTimeoutS = 90;    // PreStop (FC3 limits); PreFreeze likewise
inline constexpr int kMaxInstancesLimit = 300; // FC's default per-region instance quota
inline constexpr int kMaxStartupTimeoutS = 3600;

// An image's uncompressed size (the overview page): the smaller limit applies to elastic
// instances pulling from Container Registry Personal or Enterprise Basic; the larger to GPU
// instances, and to every instance with Enterprise Standard or Advanced.
inline constexpr qint64 kImageLimitBytes = 3LL << 30;
inline constexpr qint64 kLargeImageLimitBytes = 10LL << 30;

// One request.
inline constexpr qsizetype kMaxPathBytes = 4 * 1024;
inline constexpr qsizetype kMaxAsyncBodyBytes = 128 * 1024; // an async invocation's payload
inline constexpr qsizetype kMaxTailLogBytes = 4 * 1024;     // X-Fc-Log-Result: the last 4 KB
// In non-web-server mode the event travels in one environment string; the kernel caps a single
// one at MAX_ARG_STRLEN (32 pages), so a larger event cannot start a process.
inline constexpr qsizetype kMaxEventBytes = 128 * 1024 - 64;

} // namespace Fcemu::Config
