package auth

// HoldAllSlots takes every slot of h until the returned func is called, so a
// test can see what a caller gets from a saturated Hasher without racing
// real hashes for the slots.
func (h *Hasher) HoldAllSlots() (release func()) {
	for range cap(h.slots) {
		h.slots <- struct{}{}
	}
	return func() {
		for range cap(h.slots) {
			<-h.slots
		}
	}
}
