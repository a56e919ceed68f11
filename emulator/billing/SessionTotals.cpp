#include "SessionTotals.h"

namespace Fcemu::Billing {

namespace {

constexpr qint64 kMbMsPerGbSecond = 1024 * 1000;

qint64 ceilCu(Int128 e19)
{
    return saturateToInt64(divideRounded(e19, cuScaleE19(), RoundingMode::Up));
}

} // namespace

SessionTotals::SessionTotals(BillingOptions options, PriceTable prices)
    : m_options(std::move(options)), m_prices(std::move(prices))
{
}

std::optional<Money> SessionTotals::add(const Charge &charge)
{
    if (charge.model != m_options.model)
        return std::nullopt;
    const Money before = cost();
    m_total += charge.quantities;
    m_hour += charge.quantities;
    return cost() - before;
}

void SessionTotals::closeBillingHour()
{
    m_closedHoursCu += ceilCu(computeUnitsE19(m_hour, m_prices.fc3()));
    m_hour = {};
}

double SessionTotals::gbSeconds() const
{
    return static_cast<double>(m_total.memoryMbMs) / kMbMsPerGbSecond;
}

double SessionTotals::imagePullGbSeconds() const
{
    return static_cast<double>(m_total.pullMbMs) / kMbMsPerGbSecond;
}

std::optional<double> SessionTotals::cu() const
{
    if (m_options.model != Model::Fc3)
        return std::nullopt;
    return static_cast<double>(static_cast<long double>(computeUnitsE19(m_total, m_prices.fc3())) /
                               static_cast<long double>(cuScaleE19()));
}

std::optional<qint64> SessionTotals::billedCu() const
{
    if (m_options.model != Model::Fc3)
        return std::nullopt;
    return m_closedHoursCu + ceilCu(computeUnitsE19(m_hour, m_prices.fc3()));
}

Money SessionTotals::costOf(const Quantities &quantities, QList<WorkingLine> *working) const
{
    if (m_options.model == Model::Fc2)
        return fc2Cost(quantities, m_options, m_prices.fc2(), working);
    QString currency;
    const QList<CuTier> tiers = tiersFor(m_options, m_prices, &currency);
    return fc3TieredCost(computeUnitsE19(quantities, m_prices.fc3()),
                         Int128(m_options.monthToDate.cu) * cuScaleE19(), tiers, currency, working);
}

Money SessionTotals::cost() const
{
    return costOf(m_total, nullptr);
}

Money SessionTotals::billedCost() const
{
    if (m_options.model == Model::Fc2)
        return cost();
    QString currency;
    const QList<CuTier> tiers = tiersFor(m_options, m_prices, &currency);
    return fc3TieredCost(Int128(*billedCu()) * cuScaleE19(),
                         Int128(m_options.monthToDate.cu) * cuScaleE19(), tiers, currency, nullptr);
}

QList<WorkingLine> SessionTotals::working() const
{
    QList<WorkingLine> lines;
    lines.append({u"Invocations"_qs, {}, {}, QString::number(m_total.invocations)});
    if (m_options.model == Model::Fc2) {
        lines.append({u"Invocation GB-s"_qs,
                      {},
                      {},
                      formatDecimal(m_total.memoryMbMs, kMbMsPerGbSecond) + u" GB-s"_qs});
        lines.append({u"Image pull GB-s"_qs,
                      {},
                      {},
                      formatDecimal(m_total.pullMbMs, kMbMsPerGbSecond) + u" GB-s"_qs});
    } else {
        lines.append(
            {u"Compute units"_qs,
             {},
             {},
             formatDecimal(computeUnitsE19(m_total, m_prices.fc3()), cuScaleE19()) + u" CU"_qs});
        lines.append({u"Billed compute units"_qs, u"whole CU per function-hour"_qs,
                      u"rounded up"_qs, QString::number(*billedCu()) + u" CU"_qs});
    }
    const Money total = costOf(m_total, &lines);
    lines.append({u"Session total"_qs, {}, {}, total.toDisplayString()});
    return lines;
}

} // namespace Fcemu::Billing
