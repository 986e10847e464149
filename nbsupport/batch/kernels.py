"""The kernels of batch runs and of notebook tests.

Two things a reader of a batch log should not see: ipykernel's warning that the kernel "is running
over TCP without encryption", and its "KeyboardInterrupt caught in kernel" line when the kernel is
shut down while it handles a message. The first is fixed at its cause: the kernel manager provisions
CurveZMQ keys (jupyter_client's ``transport_encryption``, used when the kernelspec declares
``curve`` support, as ipykernel's does). The second is the kernel's own log of a normal shutdown:
batch kernels log at ``CRITICAL`` only (cell errors still reach the executed copy and the summary).
"""

from __future__ import annotations

from typing import Any

KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]


def encrypted_kernel_manager_class() -> type:
    """An async kernel manager (as papermill's client uses) that encrypts when it can."""
    import zmq
    from jupyter_client.manager import AsyncKernelManager

    class EncryptedKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            if zmq.has("curve") and hasattr(self, "transport_encryption"):
                self.transport_encryption = "auto"

    return EncryptedKernelManager


def papermill_options() -> dict[str, Any]:
    """Keyword arguments for ``papermill.execute_notebook`` (passed on to nbclient)."""
    return {"kernel_manager_class": encrypted_kernel_manager_class(), "extra_arguments": list(KERNEL_ARGUMENTS)}


def pytest_configure(config) -> None:
    """pytest plugin (``-p nbsupport.batch.kernels``): the same kernels for nbval."""
    import zmq
    from jupyter_client.manager import KernelManager
    from nbval import kernel as nbval_kernel

    original = nbval_kernel.start_new_kernel

    def start_new_kernel(startup_timeout=60, kernel_name="python", **kwargs):
        kwargs.setdefault("extra_arguments", list(KERNEL_ARGUMENTS))
        return original(startup_timeout=startup_timeout, kernel_name=kernel_name, **kwargs)

    if zmq.has("curve") and "transport_encryption" in KernelManager.class_trait_names():
        KernelManager.class_traits()["transport_encryption"].default_value = "auto"
    nbval_kernel.start_new_kernel = start_new_kernel
