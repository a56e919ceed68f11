#include "Billing.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

namespace Fcemu::Billing {

namespace {

constexpr qint64 kMbMsPerGbSecond =
    1024 * 1000;                                // GB = MB / 1024 (FC's GB is binary), s = ms / 1000
constexpr qint64 kRequestsPerPrice = 1'000'000; // fc2 request price is per million

// A measured duration with up to two decimals, as FC prints it: "117.33 ms", "10000 ms".
QString ms(double value)
{
    QString text = QString::number(value, 'f', 2);
    while (text.contains(u'.') && (text.endsWith(u'0') || text.endsWith(u'.')))
        text.chop(1);
    return text + u" ms"_qs;
}

QString gb(qint64 mb)
{
    return formatDecimal(mb, 1024) + u" GB"_qs;
}
QString seconds(qint64 billedMs)
{
    return formatDecimal(billedMs, 1000) + u" s"_qs;
}
QString gbSeconds(qint64 mbMs)
{
    return formatDecimal(mbMs, kMbMsPerGbSecond) + u" GB-s"_qs;
}
QString factor(qint64 micro)
{
    return formatDecimal(micro, 1'000'000);
}
QString cuText(Int128 e19)
{
    return formatDecimal(e19, cuScaleE19()) + u" CU"_qs;
}
QString price(const Money &m)
{
    return m.toDisplayString();
}

QString count(qint64 n, const QString &one, const QString &many)
{
    return QString::number(n) + u' ' + (n == 1 ? one : many);
}

double ratio(qint64 numerator, qint64 denominator)
{
    return static_cast<double>(numerator) / static_cast<double>(denominator);
}

double cuDouble(Int128 e19)
{
    return static_cast<double>(static_cast<long double>(e19) /
                               static_cast<long double>(cuScaleE19()));
}

// The part of [before, before + amount) beyond a free allowance.
qint64 beyondAllowance(qint64 before, qint64 amount, qint64 allowance)
{
    return std::max<qint64>(0, before + amount - allowance) -
           std::max<qint64>(0, before - allowance);
}

int diskFreeMB(const BillingOptions &options, const Fc3Prices &prices)
{
    switch (options.diskAllowance) {
    case DiskAllowance::Overview512MB:
        return prices.diskFreeMB;
    case DiskAllowance::PayAsYouGo10GB:
        return prices.diskFreeMBAlternative;
    case DiskAllowance::None:
        return 0;
    }
    return prices.diskFreeMB;
}

QString granularityText(int granularityMs)
{
    return u"rounded up to "_qs + QString::number(granularityMs) + u" ms"_qs;
}

} // namespace

QString modelName(Model model)
{
    return model == Model::Fc3 ? u"fc3"_qs : u"fc2"_qs;
}

Quantities &Quantities::operator+=(const Quantities &o)
{
    invocations += o.invocations;
    billedMs += o.billedMs;
    memoryMbMs += o.memoryMbMs;
    pullMbMs += o.pullMbMs;
    vcpuMilliMs += o.vcpuMilliMs;
    diskMbMs += o.diskMbMs;
    idleVcpuMilliMs += o.idleVcpuMilliMs;
    idleMemoryMbMs += o.idleMemoryMbMs;
    idleDiskMbMs += o.idleDiskMbMs;
    return *this;
}

qint64 billedMilliseconds(double measuredMs, int granularityMs, bool atLeastOne)
{
    granularityMs = std::max(granularityMs, 1);
    if (!std::isfinite(measuredMs) || measuredMs <= 0)
        return atLeastOne ? granularityMs : 0;
    // Clamped to a century so the cast below stays defined for absurd input.
    measuredMs = std::min(measuredMs, 3.2e12);
    constexpr double kNoiseMs = 1e-6; // 1 ns
    const double units = std::ceil((measuredMs - kNoiseMs) / granularityMs);
    return std::max<qint64>(atLeastOne ? 1 : 0, static_cast<qint64>(units)) * granularityMs;
}

Int128 cuScaleE19()
{
    return Int128(10'000'000'000) * 1'000'000'000;
}

Int128 computeUnitsE19(const Quantities &q, const Fc3Prices &p)
{
    // Each term's quantity × factor(µ) in its own unit, scaled to 1e-19 CU:
    //   milli-vCPU·ms × µ = 1e-12 CU                  → × 1e7
    //   MB·ms × µ          = 1 / (1,024,000 × 1e6) CU → × 1e19 / 1.024e12 = × 9,765,625
    //   invocations × µ    = 1e-6 CU                  → × 1e13
    constexpr qint64 cpu = 10'000'000;
    constexpr qint64 byteTime = 9'765'625;
    constexpr qint64 call = 10'000'000'000'000;
    Int128 e19 = 0;
    e19 += Int128(q.vcpuMilliMs) * p.active.vcpuSecondMicro * cpu;
    e19 += Int128(q.memoryMbMs) * p.active.memoryGbSecondMicro * byteTime;
    e19 += Int128(q.diskMbMs) * p.active.diskGbSecondMicro * byteTime;
    e19 += Int128(q.invocations) * p.active.invocationMicro * call;
    e19 += Int128(q.idleVcpuMilliMs) * p.idle.vcpuSecondMicro * cpu;
    e19 += Int128(q.idleMemoryMbMs) * p.idle.memoryGbSecondMicro * byteTime;
    e19 += Int128(q.idleDiskMbMs) * p.idle.diskGbSecondMicro * byteTime;
    return e19;
}

Money fc2Cost(const Quantities &q, const BillingOptions &options, const Fc2Prices &prices,
              QList<WorkingLine> *working)
{
    qint64 requests = q.invocations;
    qint64 mbMs = q.memoryMbMs + q.pullMbMs;
    QString requestNote, gbNote;
    if (options.freeTier) {
        const qint64 beforeMbMs = std::llround(options.monthToDate.gbSeconds * kMbMsPerGbSecond);
        const qint64 freeMbMs = prices.freeGbSecondsPerMonth * kMbMsPerGbSecond;
        const qint64 billableRequests =
            beyondAllowance(options.monthToDate.requests, requests, prices.freeRequestsPerMonth);
        const qint64 billableMbMs = beyondAllowance(beforeMbMs, mbMs, freeMbMs);
        if (working) {
            working->append(
                {u"Free tier (requests)"_qs, QString::number(requests) + u" requests"_qs,
                 u"first "_qs + QString::number(prices.freeRequestsPerMonth) + u" a month free"_qs,
                 QString::number(billableRequests) + u" billable"_qs});
            working->append({u"Free tier (GB-s)"_qs, gbSeconds(mbMs),
                             u"first "_qs + QString::number(prices.freeGbSecondsPerMonth) +
                                 u" GB-s a month free"_qs,
                             gbSeconds(billableMbMs) + u" billable"_qs});
        }
        requests = billableRequests;
        mbMs = billableMbMs;
    }
    // HalfEven to 1 pico; exact at the default prices (16 pico-USD per MB·ms, 0.2 micro-USD
    // per request), so the rounding only matters for a user's own prices.
    const Money requestFee =
        prices.requestPricePerMillion.times(requests, kRequestsPerPrice, RoundingMode::HalfEven);
    const Money gbFee = prices.gbSecondPrice.times(mbMs, kMbMsPerGbSecond, RoundingMode::HalfEven);
    if (working) {
        working->append({u"Request fee"_qs, count(requests, u"request"_qs, u"requests"_qs),
                         u"× "_qs + price(prices.requestPricePerMillion) + u" / 1,000,000"_qs,
                         price(requestFee)});
        working->append({u"GB-s fee"_qs, gbSeconds(mbMs),
                         u"× "_qs + price(prices.gbSecondPrice) + u" per GB-s"_qs, price(gbFee)});
    }
    return requestFee + gbFee;
}

Money fc3TieredCost(Int128 cuE19, Int128 monthToDateCuE19, const QList<CuTier> &tiers,
                    const QString &currency, QList<WorkingLine> *working)
{
    const Int128 scale = cuScaleE19();
    const Int128 from = monthToDateCuE19;
    const Int128 to = monthToDateCuE19 + cuE19;
    Int128 picoE19 = 0; // Σ CU(e19) × price(pico): one rounding at the end
    Int128 lower = 0;
    for (qsizetype i = 0; i < tiers.size(); ++i) {
        const CuTier &tier = tiers[i];
        const bool bounded = tier.upToCu.has_value();
        const Int128 upper = bounded ? Int128(*tier.upToCu) * scale : to;
        const Int128 overlap = std::max<Int128>(0, std::min(to, upper) - std::max(from, lower));
        if (overlap > 0) {
            picoE19 += overlap * tier.price.pico();
            if (working)
                working->append({u"CU fee, tier "_qs + QString::number(i + 1), cuText(overlap),
                                 u"× "_qs + price(tier.price) + u" per CU"_qs,
                                 price(Money::fromPico(
                                     saturateToInt64(divideRounded(overlap * tier.price.pico(),
                                                                   scale, RoundingMode::HalfEven)),
                                     currency))});
        }
        if (!bounded)
            break;
        lower = upper;
    }
    return Money::fromPico(saturateToInt64(divideRounded(picoE19, scale, RoundingMode::HalfEven)),
                           currency);
}

QList<CuTier> tiersFor(const BillingOptions &options, const PriceTable &prices, QString *currency)
{
    const QMap<QString, QList<CuTier>> &all = prices.fc3().tiers;
    QString chosen = options.currency;
    if (!all.contains(chosen))
        chosen = all.contains(u"USD"_qs) ? u"USD"_qs : all.keys().value(0, options.currency);
    if (currency)
        *currency = chosen;
    return all.value(chosen);
}

namespace {

void appendCuLines(const Quantities &q, const Fc3Prices &p, QList<WorkingLine> &w)
{
    const auto line = [&](const QString &label, const QString &quantity, qint64 factorMicro,
                          const QString &unit, const Quantities &only) {
        w.append({label, quantity, u"× "_qs + factor(factorMicro) + u" CU per "_qs + unit,
                  cuText(computeUnitsE19(only, p))});
    };
    Quantities only;
    only = {};
    only.vcpuMilliMs = q.vcpuMilliMs;
    line(u"Active vCPU"_qs, formatDecimal(q.vcpuMilliMs, 1'000'000) + u" vCPU-s"_qs,
         p.active.vcpuSecondMicro, u"vCPU-s"_qs, only);
    only = {};
    only.memoryMbMs = q.memoryMbMs;
    line(u"Active memory"_qs, gbSeconds(q.memoryMbMs), p.active.memoryGbSecondMicro, u"GB-s"_qs,
         only);
    only = {};
    only.diskMbMs = q.diskMbMs;
    line(u"Active disk (beyond free)"_qs, gbSeconds(q.diskMbMs), p.active.diskGbSecondMicro,
         u"GB-s"_qs, only);
    only = {};
    only.invocations = q.invocations;
    line(u"Invocations"_qs, count(q.invocations, u"call"_qs, u"calls"_qs), p.active.invocationMicro,
         u"call"_qs, only);
    if (q.idleVcpuMilliMs || q.idleMemoryMbMs || q.idleDiskMbMs) {
        only = {};
        only.idleVcpuMilliMs = q.idleVcpuMilliMs;
        line(u"Idle vCPU"_qs, formatDecimal(q.idleVcpuMilliMs, 1'000'000) + u" vCPU-s"_qs,
             p.idle.vcpuSecondMicro, u"vCPU-s"_qs, only);
        only = {};
        only.idleMemoryMbMs = q.idleMemoryMbMs;
        line(u"Idle memory"_qs, gbSeconds(q.idleMemoryMbMs), p.idle.memoryGbSecondMicro, u"GB-s"_qs,
             only);
        only = {};
        only.idleDiskMbMs = q.idleDiskMbMs;
        line(u"Idle disk (beyond free)"_qs, gbSeconds(q.idleDiskMbMs), p.idle.diskGbSecondMicro,
             u"GB-s"_qs, only);
    }
}

Charge fc2Charge(const InvocationUsage &u, const BillingOptions &options, const PriceTable &prices)
{
    const Fc2Prices &p = prices.fc2();
    const int granularity = options.legacyRounding ? p.legacyGranularityMs : p.granularityMs;
    Charge c;
    c.model = Model::Fc2;
    c.billedDurationMs = billedMilliseconds(u.durationMs, granularity, true);
    const qint64 pullMs = u.imageCached ? 0 : billedMilliseconds(u.pullMs, granularity, false);

    Quantities &q = c.quantities;
    q.invocations = 1;
    q.billedMs = c.billedDurationMs;
    // On a provisioned instance the memory is paid for by its lifetime (provisionedCharge).
    q.memoryMbMs = u.provisioned ? 0 : qint64(u.memoryMB) * c.billedDurationMs;
    q.pullMbMs = qint64(u.memoryMB) * pullMs;
    c.gbSeconds = ratio(q.memoryMbMs, kMbMsPerGbSecond);
    c.imagePullGbSeconds = ratio(q.pullMbMs, kMbMsPerGbSecond);

    if (!options.withWorking) {
        c.cost = fc2Cost(q, options, p, nullptr);
        return c;
    }
    c.working.append({u"Billed duration"_qs, ms(u.durationMs), granularityText(granularity),
                      QString::number(c.billedDurationMs) + u" ms"_qs});
    if (u.provisioned)
        c.working.append({u"Invocation GB-s"_qs, u"provisioned instance"_qs,
                          u"billed for its lifetime instead"_qs, gbSeconds(0)});
    else
        c.working.append({u"Invocation GB-s"_qs, gb(u.memoryMB),
                          u"× "_qs + seconds(c.billedDurationMs), gbSeconds(q.memoryMbMs)});
    if (u.imageCached)
        c.working.append(
            {u"Image pull GB-s"_qs, u"cached image"_qs, u"not charged"_qs, gbSeconds(0)});
    else
        c.working.append({u"Image pull GB-s"_qs, gb(u.memoryMB),
                          u"× "_qs + seconds(pullMs) + u" pulling"_qs, gbSeconds(q.pullMbMs)});
    c.cost = fc2Cost(q, options, p, &c.working);
    c.working.append({u"Total"_qs, {}, {}, price(c.cost)});
    return c;
}

Charge fc3Charge(const InvocationUsage &u, const BillingOptions &options, const PriceTable &prices)
{
    const Fc3Prices &p = prices.fc3();
    Charge c;
    c.model = Model::Fc3;
    c.billedDurationMs = billedMilliseconds(u.durationMs, p.granularityMs, true);
    const qint64 idleMs = billedMilliseconds(u.idleMs, p.granularityMs, false);
    const qint64 pullMs = u.imageCached ? 0 : billedMilliseconds(u.pullMs, p.granularityMs, false);
    // FC3 vCPU sizes are multiples of 0.05, so milli-vCPU is exact.
    const qint64 milliVcpu = std::llround(std::max(u.vcpu, 0.0) * 1000);
    const int freeDisk = diskFreeMB(options, p);
    const qint64 billableDiskMB = std::max(0, u.diskMB - freeDisk);

    Quantities &q = c.quantities;
    q.invocations = 1;
    q.billedMs = c.billedDurationMs;
    q.vcpuMilliMs = milliVcpu * c.billedDurationMs;
    q.memoryMbMs = qint64(u.memoryMB) * c.billedDurationMs;
    q.diskMbMs = billableDiskMB * c.billedDurationMs;
    q.idleVcpuMilliMs = milliVcpu * idleMs;
    q.idleMemoryMbMs = qint64(u.memoryMB) * idleMs;
    q.idleDiskMbMs = billableDiskMB * idleMs;
    q.pullMbMs = qint64(u.memoryMB) * pullMs;
    c.gbSeconds = ratio(q.memoryMbMs, kMbMsPerGbSecond);
    c.imagePullGbSeconds = ratio(q.pullMbMs, kMbMsPerGbSecond);

    const Int128 cuE19 = computeUnitsE19(q, p);
    c.cu = cuDouble(cuE19);
    QString currency;
    const QList<CuTier> tiers = tiersFor(options, prices, &currency);
    const Int128 monthToDateE19 = Int128(options.monthToDate.cu) * cuScaleE19();
    if (!options.withWorking) {
        c.cost = fc3TieredCost(cuE19, monthToDateE19, tiers, currency, nullptr);
        return c;
    }
    c.working.append({u"Billed duration"_qs, ms(u.durationMs), granularityText(p.granularityMs),
                      QString::number(c.billedDurationMs) + u" ms"_qs});
    if (idleMs > 0)
        c.working.append({u"Idle time"_qs, ms(u.idleMs), granularityText(p.granularityMs),
                          QString::number(idleMs) + u" ms"_qs});
    c.working.append({u"Billable disk"_qs, QString::number(u.diskMB) + u" MB"_qs,
                      u"− "_qs + QString::number(freeDisk) + u" MB free"_qs,
                      QString::number(billableDiskMB) + u" MB"_qs});
    appendCuLines(q, p, c.working);
    c.working.append({u"Compute units"_qs, {}, {}, cuText(cuE19)});
    c.working.append({u"Image pull"_qs, u.imageCached ? u"cached image"_qs : gbSeconds(q.pullMbMs),
                      u"not charged under fc3 (not in FC3's billing pages)"_qs,
                      price(Money::fromPico(0, currency))});
    c.cost = fc3TieredCost(cuE19, monthToDateE19, tiers, currency, &c.working);
    c.working.append({u"Total"_qs, {}, {}, price(c.cost)});
    return c;
}

} // namespace

Charge charge(const InvocationUsage &usage, const BillingOptions &options, const PriceTable &prices)
{
    // Sizes come from validated configuration; a negative one must still not produce a credit.
    InvocationUsage u = usage;
    u.memoryMB = std::max(u.memoryMB, 0);
    u.diskMB = std::max(u.diskMB, 0);
    return options.model == Model::Fc3 ? fc3Charge(u, options, prices)
                                       : fc2Charge(u, options, prices);
}

Charge provisionedCharge(int memoryMB, double vcpu, int diskMB, double lifetimeMs,
                         const BillingOptions &options, const PriceTable &prices)
{
    memoryMB = std::max(memoryMB, 0);
    diskMB = std::max(diskMB, 0);
    Charge c;
    c.model = options.model;
    if (options.model == Model::Fc2) {
        const Fc2Prices &p = prices.fc2();
        c.billedDurationMs = billedMilliseconds(lifetimeMs, p.granularityMs, false);
        c.quantities.memoryMbMs = qint64(memoryMB) * c.billedDurationMs;
        c.gbSeconds = ratio(c.quantities.memoryMbMs, kMbMsPerGbSecond);
        c.working.append({u"Provisioned lifetime"_qs, ms(lifetimeMs),
                          granularityText(p.granularityMs),
                          QString::number(c.billedDurationMs) + u" ms"_qs});
        c.working.append({u"Lifetime GB-s"_qs, gb(memoryMB), u"× "_qs + seconds(c.billedDurationMs),
                          gbSeconds(c.quantities.memoryMbMs)});
        c.cost = fc2Cost(c.quantities, options, p, &c.working);
    } else {
        const Fc3Prices &p = prices.fc3();
        c.billedDurationMs = billedMilliseconds(lifetimeMs, p.provisionedGranularityMs, false);
        const qint64 milliVcpu = std::llround(std::max(vcpu, 0.0) * 1000);
        const qint64 billableDiskMB = std::max(0, diskMB - diskFreeMB(options, p));
        c.quantities.idleVcpuMilliMs = milliVcpu * c.billedDurationMs;
        c.quantities.idleMemoryMbMs = qint64(memoryMB) * c.billedDurationMs;
        c.quantities.idleDiskMbMs = billableDiskMB * c.billedDurationMs;
        c.working.append({u"Provisioned idle time"_qs, ms(lifetimeMs),
                          granularityText(p.provisionedGranularityMs),
                          QString::number(c.billedDurationMs) + u" ms"_qs});
        appendCuLines(c.quantities, p, c.working);
        const Int128 cuE19 = computeUnitsE19(c.quantities, p);
        c.cu = cuDouble(cuE19);
        QString currency;
        const QList<CuTier> tiers = tiersFor(options, prices, &currency);
        c.cost = fc3TieredCost(cuE19, Int128(options.monthToDate.cu) * cuScaleE19(), tiers,
                               currency, &c.working);
    }
    c.working.append({u"Total"_qs, {}, {}, price(c.cost)});
    return c;
}

QList<WhatIfRow> whatIf(const InvocationUsage &usage, const BillingOptions &options,
                        const PriceTable &prices, const QList<int> &memorySizesMB)
{
    QList<WhatIfRow> rows;
    rows.reserve(memorySizesMB.size());
    for (const int memoryMB : memorySizesMB) {
        InvocationUsage scaled = usage;
        scaled.memoryMB = memoryMB;
        const Charge c = charge(scaled, options, prices);
        rows.append({memoryMB, c.billedDurationMs, c.gbSeconds, c.cu, c.cost});
    }
    return rows;
}

QList<WhatIfRow> whatIf(const InvocationUsage &usage, Model model, const PriceTable &prices,
                        const QList<int> &memorySizesMB)
{
    BillingOptions options;
    options.model = model;
    return whatIf(usage, options, prices, memorySizesMB);
}

QString summaryLine(double durationMs, qint64 billedMs, int memoryMB, double maxUsedMB)
{
    return u"Duration: "_qs + QString::number(durationMs, 'f', 2) + u" ms, Billed Duration: "_qs +
           QString::number(billedMs) + u" ms, Memory Size: "_qs + QString::number(memoryMB) +
           u" MB, Max Memory Used: "_qs + QString::number(maxUsedMB, 'f', 2) + u" MB"_qs;
}

nlohmann::json Charge::toJson() const
{
    return nlohmann::json{
        {"model", modelName(model).toStdString()},
        {"billedDurationMs", billedDurationMs},
        {"gbSeconds", gbSeconds},
        {"imagePullGbSeconds", imagePullGbSeconds},
        {"cu", cu ? nlohmann::json(*cu) : nlohmann::json(nullptr)},
        {"cost", cost.toDouble()},
        {"currency", cost.currency().toStdString()},
    };
}

} // namespace Fcemu::Billing
