#include "ui/bridge_types.h"

QString VariantErrors::label() const {
    return QStringLiteral("%1%2 #%3")
        .arg(format, imatrix.isEmpty() ? QString() : QStringLiteral("+imatrix"))
        .arg(id);
}

double VariantErrors::bitsPerWeight() const {
    return totalWeights > 0 ? 8.0 * double(totalBytes) / double(totalWeights) : 0.0;
}

const TensorError* VariantErrors::findTensor(const QString& name) const {
    const std::string key = name.toStdString();
    for (const TensorError& t : tensors)
        if (t.tensor == key)
            return &t;
    return nullptr;
}
