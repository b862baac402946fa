"""``google.colab.drive``: mounting makes the ``MyDrive`` folder under the mount point."""

import os


def mount(mountpoint: str, force_remount: bool = False) -> None:
    os.makedirs(os.path.join(mountpoint, "MyDrive"), exist_ok=True)
