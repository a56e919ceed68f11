#include "Units.h"

#include <cmath>

namespace Fcemu {

std::optional<std::uint64_t> parseByteSize(const QString &text)
{
    QString s = text.trimmed().toUpper();
    if (s.endsWith(u"IB"_qs))
        s.chop(2), s.append(u'B');
    if (s.endsWith(u'B'))
        s.chop(1);
    double multiplier = 1;
    if (!s.isEmpty()) {
        switch (s.back().unicode()) {
        case 'K':
            multiplier = 1024.0;
            break;
        case 'M':
            multiplier = 1024.0 * 1024;
            break;
        case 'G':
            multiplier = 1024.0 * 1024 * 1024;
            break;
        case 'T':
            multiplier = 1024.0 * 1024 * 1024 * 1024;
            break;
        default:
            break;
        }
        if (multiplier != 1)
            s.chop(1);
    }
    bool ok = false;
    const double value = s.toDouble(&ok);
    if (!ok || value < 0 || !std::isfinite(value))
        return std::nullopt;
    const double bytes = std::floor(value * multiplier);
    if (bytes > 1.8e19)
        return std::nullopt;
    return static_cast<std::uint64_t>(bytes);
}

QString formatBytes(std::uint64_t bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 4)
        value /= 1024, ++unit;
    if (unit == 0)
        return QString::number(bytes) + u" B"_qs;
    return QString::number(value, 'f', value < 10 ? 2 : 1) + u' ' + QLatin1StringView(units[unit]);
}

} // namespace Fcemu
