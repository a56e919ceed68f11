#pragma once

#include <QTest>

#include "billing/Billing.h"

// QCOMPARE prints both sides of a failed comparison through toString found by ADL.
namespace Fcemu::Billing {

inline char *toString(const Money &money)
{
    return QTest::toString(money.toDisplayString() + u" (" + QString::number(money.pico()) +
                           u" pico)");
}

inline char *toString(const WorkingLine &line)
{
    return QTest::toString(line.label + u" | " + line.quantity + u" | " + line.factor + u" | " +
                           line.amount);
}

} // namespace Fcemu::Billing
