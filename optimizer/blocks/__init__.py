"""Vehicle blocks: chain timetabled trips into vehicle days from depots at least
cost, with a proof (lower bound and gap) beside every answer.

Start at ``block_trips`` (trips with places and times) or ``block_network``
(a cost network, e.g. a benchmark ``.inp`` read by ``parse_mdvsp``).
"""

from optimizer.blocks.blocking import Block, Blocking, Status
from optimizer.blocks.bounds import Deficit, FleetBounds
from optimizer.blocks.deadline import Deadline
from optimizer.blocks.inputs import BlockingInput, CostRates, Deadhead, Trip
from optimizer.blocks.mdvsp import MdvspFormatError, parse_mdvsp
from optimizer.blocks.multi_depot import OutOfTime
from optimizer.blocks.network import BlockingNetwork, Depot
from optimizer.blocks.problems import Code, InputProblem, InvalidBlockingInput
from optimizer.blocks.solve import block_network, block_trips

__all__ = [
    "Block", "Blocking", "BlockingInput", "BlockingNetwork", "Code", "CostRates", "Deadhead", "Deadline",
    "Deficit", "Depot", "FleetBounds", "InputProblem", "InvalidBlockingInput", "MdvspFormatError",
    "OutOfTime", "Status", "Trip", "block_network", "block_trips", "parse_mdvsp",
]
