#include "ui/recent_files.h"

#include <QFileInfo>
#include <QSettings>

QStringList RecentList::load() const {
    return QSettings().value(m_key).toStringList();
}

void RecentList::add(const QString& path) const {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QStringList list = load();
    list.removeAll(absolute);
    list.prepend(absolute);
    while (list.size() > kMaxEntries)
        list.removeLast();
    QSettings().setValue(m_key, list);
}

void RecentList::clear() const {
    QSettings().remove(m_key);
}

QString RecentList::mostRecentExisting() const {
    for (const QString& path : load())
        if (QFileInfo::exists(path))
            return path;
    return {};
}
