"""Suite-wide configuration: Qt runs offscreen, set here so nobody has to set it by hand."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
