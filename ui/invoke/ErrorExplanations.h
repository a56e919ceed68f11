#pragma once

#include <optional>

#include <QString>

namespace Fcemu::Ui {

// FC's error codes in plain words, for the invoke panel's response area: what happened and
// what to change. FC's own message says the facts of one call; this says what they mean.
struct ErrorExplanation
{
    QString meaning;
    QString fix;
};

// The explanation of an FC error code ("FunctionNotStarted", ...), or nullopt for a code
// that has none (the panel then shows FC's message alone).
std::optional<ErrorExplanation> explainError(const QString &code);

} // namespace Fcemu::Ui
