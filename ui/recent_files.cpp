#include "ui/recent_files.h"

#include <QFileInfo>
#include <QSettings>

namespace {
const char* const kKey = "recentFiles";
}

QStringList RecentFiles::load() {
    return QSettings().value(kKey).toStringList();
}

void RecentFiles::add(const QString& path) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QStringList list = load();
    list.removeAll(absolute);
    list.prepend(absolute);
    while (list.size() > kMaxEntries)
        list.removeLast();
    QSettings().setValue(kKey, list);
}

void RecentFiles::clear() {
    QSettings().remove(kKey);
}

QString RecentFiles::mostRecentExisting() {
    for (const QString& path : load())
        if (QFileInfo::exists(path))
            return path;
    return {};
}
