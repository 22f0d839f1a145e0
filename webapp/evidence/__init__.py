"""Evidence files (证明材料): content-addressed storage, access through the instances citing them."""
