#pragma once

#include <optional>

#include <QList>

#include "billing/Billing.h"

namespace Fcemu::Billing {

// Running totals of one session under one model (CONTRACT §8 "per session in total").
//
// It sums the exact integer quantities of each charge (MB·ms, milli-vCPU·ms, invocations), not
// their rounded money, and prices the totals in one step: the session cost never drifts however
// many tiny charges it holds, and the free tier (fc2) and the CU price tiers (fc3) apply to the
// cumulative month position (options.monthToDate plus the session so far), as FC applies them to
// a monthly total. A plain value class; the telemetry layer wraps it for signals.
class SessionTotals final
{
public:
    explicit SessionTotals(BillingOptions options = {}, PriceTable prices = PriceTable::builtIn());

    // Adds a charge and returns how much the session cost grew: the charge's own cost, except
    // where the free tier or a tier boundary made it cheaper. nullopt (and nothing added) for a
    // charge of the other model: keep one SessionTotals per model.
    std::optional<Money> add(const Charge &charge);
    // fc3: FC rounds a function's CU up to a whole number per billing hour (fc-semantics §6.1).
    // Call when the hour ends; the CU of the hour so far is rounded Up and carried into billedCu().
    void closeBillingHour();

    const BillingOptions &options() const { return m_options; }
    const PriceTable &prices() const { return m_prices; }
    const Quantities &quantities() const { return m_total; }
    qint64 invocations() const { return m_total.invocations; }
    double gbSeconds() const; // fc2: execution + provisioned; fc3: active memory
    double imagePullGbSeconds() const;
    std::optional<double> cu() const;       // fc3: exact CU of the session
    std::optional<qint64> billedCu() const; // fc3: closed hours rounded Up + this hour rounded Up

    // Estimated cost from the exact totals (fc3: exact CU through the tiers).
    Money cost() const;
    // What FC would bill: as cost() for fc2; fc3 prices billedCu() (whole CU per hour).
    Money billedCost() const;
    // The session's working, for the Billing inspector.
    QList<WorkingLine> working() const;

private:
    Money costOf(const Quantities &quantities, QList<WorkingLine> *working) const;

    BillingOptions m_options;
    PriceTable m_prices;
    Quantities m_total;
    Quantities m_hour;
    qint64 m_closedHoursCu = 0;
};

} // namespace Fcemu::Billing
