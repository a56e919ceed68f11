#pragma once

#include <optional>

#include <nlohmann/json_fwd.hpp>

#include <QList>
#include <QString>

#include "billing/Money.h"
#include "billing/PriceTable.h"

// Cost estimates for one invocation (CONTRACT §8; issue 5 item 3). Pure arithmetic: no I/O, no
// clocks, no Qt event loop. Durations arrive measured in milliseconds (doubles) and are turned
// into whole billed milliseconds first; from there on every quantity is an integer (MB·ms,
// milli-vCPU·ms, invocations), so totals are exact and rounding happens once, where stated.
namespace Fcemu::Billing {

enum class Model { Fc2, Fc3 };

QString modelName(Model model); // "fc2", "fc3": the JSON report's "model" (CONTRACT §1.2)

// fc-semantics §10.7: two statements of FC3's free disk.
enum class DiskAllowance {
    Overview512MB,  // "512 MB规格的磁盘使用免费" (billing overview): the default
    PayAsYouGo10GB, // "磁盘享受 10 GB 免费额度" (newer pay-as-you-go page)
    None,           // every MB billed; for comparison only, no source states it
};

// What the month had used before this session, for FC2's free tier and FC3's price tiers.
struct MonthToDate
{
    qint64 requests = 0;
    double gbSeconds = 0;
    qint64 cu = 0;
};

struct BillingOptions
{
    Model model = Model::Fc2;
    bool legacyRounding = false;  // fc2: bill in 100 ms units, as 2019-2021 FC did (fc3 ignores it)
    bool freeTier = false;        // fc2: 1,000,000 requests and 400,000 GB-s a month (CONTRACT §8)
    QString currency = u"USD"_qs; // fc3 price tiers (USD or CNY); fc2 prices are in USD
    DiskAllowance diskAllowance = DiskAllowance::Overview512MB;
    MonthToDate monthToDate;
    // Fill Charge::working. Off on the request path, where nobody reads the lines: a record
    // builds them when asked (Telemetry::InvocationRecord::billingWorking()).
    bool withWorking = true;
};

// One invocation as measured (configured sizes, measured times).
struct InvocationUsage
{
    int memoryMB = 128;
    double vcpu = 0;       // configured vCPU (fc3 bills the configuration, fc-semantics §6.1)
    int diskMB = 512;      // configured disk (fc3)
    double durationMs = 0; // measured request time
    double pullMs = 0;     // image pull; ignored when imageCached
    bool imageCached = false;
    double idleMs = 0;        // fc3: instance time held without a request (vCPU factor 0)
    bool provisioned = false; // fc2: the instance's life is billed by provisionedCharge()
};

// Exact integer quantities of a charge; the session sums these, not rounded money.
struct Quantities
{
    qint64 invocations = 0;
    qint64 billedMs = 0;        // billed request time
    qint64 memoryMbMs = 0;      // memory MB × billed ms (fc2 GB-s; fc3 active memory)
    qint64 pullMbMs = 0;        // memory MB × billed pull ms (charged by fc2 only)
    qint64 vcpuMilliMs = 0;     // fc3 active: milli-vCPU × ms
    qint64 diskMbMs = 0;        // fc3 active: billable disk MB × ms
    qint64 idleVcpuMilliMs = 0; // fc3 idle
    qint64 idleMemoryMbMs = 0;
    qint64 idleDiskMbMs = 0;

    Quantities &operator+=(const Quantities &other);
    friend bool operator==(const Quantities &, const Quantities &) = default;
};

// A figure with its working, for the GUI's Billing inspector: quantity × factor = amount.
struct WorkingLine
{
    QString label;
    QString quantity;
    QString factor;
    QString amount;
    friend bool operator==(const WorkingLine &, const WorkingLine &) = default;
};

struct Charge
{
    Model model = Model::Fc2;
    qint64 billedDurationMs = 0;
    double gbSeconds = 0;          // memory GB × billed s (fc3: active memory)
    double imagePullGbSeconds = 0; // memory GB × pull s; 0 for a cached image
    std::optional<double> cu;      // fc3 only
    Money cost;                    // rounded HalfEven to 1 pico-unit
    QList<WorkingLine> working;    // empty when BillingOptions::withWorking is off
    Quantities quantities;

    // CONTRACT §1.2's "billing" object: model, billedDurationMs, gbSeconds, imagePullGbSeconds,
    // cu, cost (a double in currency units), currency.
    nlohmann::json toJson() const;
};

// The charge for one invocation. fc2: request fee + GB-s (1 ms, or 100 ms with legacyRounding)
// + image pull GB-s (none when cached; the pull time is rounded like the request time, which no
// source states either way); free tier against options.monthToDate when enabled. The cost is
// rounded HalfEven to 1 pico-unit per fee line (exact at the default prices).
// fc3: CU from the active and idle factors plus the per-invocation CU, priced by walking the
// options.currency tiers from options.monthToDate.cu. Image pull is reported under fc3 but not
// charged: FC3's billing pages do not mention it (fc-semantics §6.2).
Charge charge(const InvocationUsage &usage, const BillingOptions &options,
              const PriceTable &prices);

// A provisioned instance, billed for its life whether or not it served requests (fc-semantics
// §6.1, doc-detail/138103). fc2: memory GB × lifetime at the GB-s price; invocations on it pay
// only the request fee (InvocationUsage::provisioned). fc3: lifetimeMs is the time the instance
// was not processing requests, billed at the idle factors in 10 s increments (51 s → 60 s);
// its requests are charged by charge() as usual.
Charge provisionedCharge(int memoryMB, double vcpu, int diskMB, double lifetimeMs,
                         const BillingOptions &options, const PriceTable &prices);

struct WhatIfRow
{
    int memoryMB = 0;
    qint64 billedDurationMs = 0;
    double gbSeconds = 0;
    std::optional<double> cu;
    Money cost;
};

// The same invocation at other memory sizes. The measured duration is kept as it is: memory
// size changes the price, not (as far as this function knows) the run time. A caller with a
// better model (FC2 allots CPU in proportion to memory) scales usage.durationMs per row itself.
// fc3 keeps the configured vCPU and disk.
QList<WhatIfRow> whatIf(const InvocationUsage &usage, const BillingOptions &options,
                        const PriceTable &prices, const QList<int> &memorySizesMB);

// The same with default options for model (the signature issue 5 sketches).
QList<WhatIfRow> whatIf(const InvocationUsage &usage, Model model, const PriceTable &prices,
                        const QList<int> &memorySizesMB);

// FC's summary line: "Duration: 117.33 ms, Billed Duration: 118 ms, Memory Size: 128 MB,
// Max Memory Used: 13.16 MB" (two decimals for measured figures, integers for configured ones).
QString summaryLine(double durationMs, qint64 billedMs, int memoryMB, double maxUsedMB);

// ---- Building blocks shared with SessionTotals ----

// Billed whole milliseconds: measured ms rounded Up to a multiple of granularityMs. A measured
// time within 1 ns above a boundary counts as on it (clock conversion noise). With atLeastOne a
// positive or zero measured request still bills one unit.
qint64 billedMilliseconds(double measuredMs, int granularityMs, bool atLeastOne);

// CU in units of 1e-19 CU: exact for every integer quantity and factor with six decimals
// (GB-s = MB·ms / 1,024,000 needs 19 decimals at most with a six-decimal factor).
Int128 computeUnitsE19(const Quantities &quantities, const Fc3Prices &prices);
Int128 cuScaleE19();

// FC2 cost of quantities, with the free tier applied to the part of the month after
// monthToDate when freeTier is set; working lines appended when working is non-null.
Money fc2Cost(const Quantities &quantities, const BillingOptions &options, const Fc2Prices &prices,
              QList<WorkingLine> *working);

// FC3 cost of cuE19 compute units starting at monthToDateCuE19 in the month: each CU priced at
// the tier it falls in, summed exactly, rounded HalfEven to 1 pico once.
Money fc3TieredCost(Int128 cuE19, Int128 monthToDateCuE19, const QList<CuTier> &tiers,
                    const QString &currency, QList<WorkingLine> *working);

// The tiers options.currency selects, falling back to USD, then to the first in the table.
QList<CuTier> tiersFor(const BillingOptions &options, const PriceTable &prices, QString *currency);

} // namespace Fcemu::Billing
