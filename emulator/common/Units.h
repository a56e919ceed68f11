#pragma once

#include <cstdint>
#include <optional>

#include <QString>

namespace Fcemu {

// Parses "512", "512B", "64K", "10M", "3G", "3GB", "1.5G" (binary multiples) into bytes.
std::optional<std::uint64_t> parseByteSize(const QString &text);

// 1536 -> "1.5 KiB"; used in progress lines and inspect output.
QString formatBytes(std::uint64_t bytes);

} // namespace Fcemu
