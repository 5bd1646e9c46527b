"""nbconvert's ExecutePreprocessor for Deno's Jupyter kernel (tests/examples_notebook_test.ts).

Deno's kernel may publish a cell's outputs (stream, execute_result, display_data) just
after its `status: idle` message. nbclient stops reading a cell's IOPub messages at idle,
so such outputs were lost (or dropped as the next cell's strays). This preprocessor keeps
reading after idle until IOPub has been quiet for `late_output_grace` seconds: cells run
one after another, so anything that arrives then belongs to the cell that just ran.

    jupyter nbconvert --to notebook \
      --Exporter.preprocessors='["_deno_nbexec.DenoExecutePreprocessor"]' \
      --DenoExecutePreprocessor.enabled=True  x.ipynb   # with this folder on PYTHONPATH
"""

from queue import Empty

from nbclient.exceptions import CellExecutionComplete
from nbconvert.preprocessors import ExecutePreprocessor
from traitlets import Float


class DenoExecutePreprocessor(ExecutePreprocessor):
    late_output_grace = Float(
        0.5, help="Seconds of IOPub quiet after idle before a cell is complete"
    ).tag(config=True)

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        assert self.kc is not None
        idle = False
        while True:
            try:
                msg = await self.kc.iopub_channel.get_msg(
                    timeout=self.late_output_grace if idle else None
                )
            except Empty:
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                idle = True
